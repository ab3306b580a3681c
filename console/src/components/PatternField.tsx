import { useId } from 'react';
import { parsePatternList, type ParsedPatternList } from '../lib/patterns';

/**
 * A text area for a role's permission patterns, validated as the user types with the
 * API's own rules (lib/patterns.ts). The parent gets the parsed list and enables its
 * save button only when there are no problems.
 */
export function PatternField({ label, value, onChange }: { label: string; value: string; onChange: (text: string, parsed: ParsedPatternList) => void }) {
  const id = useId();
  const parsed = parsePatternList(value);
  const problemsId = `${id}-problems`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <textarea
        id={id}
        rows={3}
        value={value}
        spellCheck={false}
        autoCapitalize="off"
        aria-invalid={parsed.problems.length > 0}
        aria-describedby={`${id}-hint ${problemsId}`}
        onChange={(e) => onChange(e.target.value, parsePatternList(e.target.value))}
      />
      <p id={`${id}-hint`} className="hint">
        resource:action, separated by commas or new lines; <code>*</code> stands for a whole segment (<code>document:*</code>, <code>*:read</code>).
      </p>
      <ul id={problemsId} className="field-problems" aria-live="polite">
        {parsed.problems.map((p) => (
          <li key={`${p.position}-${p.value}`}>
            Pattern {p.position}: {p.message}
          </li>
        ))}
      </ul>
    </div>
  );
}
