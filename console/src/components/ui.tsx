import { type ReactNode, useEffect, useRef, useState } from 'react';
import type { Notice } from '../api/hooks';

/** The outcome of an action: announced to screen readers (errors assertively). */
export function NoticeLine({ notice }: { notice: Notice }) {
  if (!notice) return null;
  return notice.kind === 'ok' ? (
    <p className="notice ok" role="status">
      {notice.text}
    </p>
  ) : (
    <p className="notice error" role="alert">
      {notice.text}
    </p>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> Loading {what}…
    </p>
  );
}

export function LoadError({ message, onRetry }: { message: string; onRetry: () => void }) {
  return (
    <div className="notice error" role="alert">
      <p>{message}</p>
      <button type="button" onClick={onRetry}>
        Try again
      </button>
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <p className="empty-title">{title}</p>
      {children ? <p>{children}</p> : null}
    </div>
  );
}

/** A field's problem, tied to its input with aria-describedby. */
export function FieldProblem({ id, problem }: { id: string; problem: string | null }) {
  return (
    <p id={id} className={problem ? 'field-problem' : 'field-problem hidden'} aria-live="polite">
      {problem ?? ''}
    </p>
  );
}

/**
 * A destructive button that asks first, inline (no window.confirm): the first press
 * shows "Confirm" and "Cancel", and focus moves to Cancel so Enter never deletes by accident.
 */
export function ConfirmButton({ label, confirmLabel, question, disabled, onConfirm }: { label: string; confirmLabel: string; question: string; disabled?: boolean; onConfirm: () => void }) {
  const [asking, setAsking] = useState(false);
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (asking) cancel.current?.focus();
  }, [asking]);
  if (!asking) {
    return (
      <button type="button" className="danger" disabled={disabled} onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  }
  return (
    <span className="confirm" role="group" aria-label={question}>
      <span>{question}</span>
      <button
        type="button"
        className="danger solid"
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        {confirmLabel}
      </button>
      <button type="button" ref={cancel} onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}
