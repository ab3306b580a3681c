import { InvalidInputError } from './errors';
import { describeIdProblem } from './identifiers';
import { describePermissionProblem } from './permission';
import { allows, effectivePatterns } from './snapshot';
import type { CacheStatus, PermissionSnapshot, Subject } from './types';

export interface DecisionResult extends Subject {
  readonly permission: string;
  readonly allowed: boolean;
  readonly cacheStatus: CacheStatus;
}

export interface PermissionSetResult extends Subject {
  readonly permissions: string[];
  readonly roles: string[];
  readonly cacheStatus: CacheStatus;
}

export interface CheckRequest extends Subject {
  readonly permission: string;
}

/** What the decision service needs from L1: one subject's permission set and its source. */
export interface PermissionReader {
  load(subject: Subject): Promise<{ snapshot: PermissionSnapshot; status: CacheStatus }>;
}

/** Told of every answer, for per-request counts (response extensions, logs, metrics). */
export type AnswerObserver = (status: CacheStatus) => void;

/**
 * Told of every answer with its outcome and how long it took (for metrics): `allowed`
 * is null for a permission set (`permissions`), which is not a decision.
 */
export type AnswerListener = (answer: { status: CacheStatus; allowed: boolean | null; seconds: number }) => void;

/** What the decision service answers (a sampled request's traced wrapper answers the same). */
export type Decisions = Pick<DecisionService, 'can' | 'permissions' | 'checks'>;

/**
 * The decision logic: validates inputs, asks L1 for permission sets and applies the
 * rules. `allowed` is true if and only if the user is a member of the organization and
 * a pattern from the member's roles or unexpired grants matches the permission. Unknown
 * users and organizations are simply not members.
 *
 * @throws InvalidInputError for a malformed ID or permission (nothing is loaded then).
 */
export class DecisionService {
  constructor(private readonly options: { maxChecks: number; now?: () => number; onAnswer?: AnswerListener }) {}

  async can(reader: PermissionReader, request: CheckRequest, observe?: AnswerObserver): Promise<DecisionResult> {
    validateCheck(request);
    return this.decide(reader, request, observe);
  }

  async permissions(reader: PermissionReader, subject: Subject, observe?: AnswerObserver): Promise<PermissionSetResult> {
    validateSubject(subject);
    const started = performance.now();
    const { snapshot, status } = await reader.load(subject);
    observe?.(status);
    this.options.onAnswer?.({ status, allowed: null, seconds: (performance.now() - started) / 1000 });
    return {
      userId: subject.userId,
      orgId: subject.orgId,
      permissions: effectivePatterns(snapshot, this.now()),
      roles: snapshot.member ? [...snapshot.roles] : [],
      cacheStatus: status,
    };
  }

  /**
   * Answers in request order. Every request is validated before anything is loaded,
   * so a bad entry fails the whole call with its index and nothing partial is returned.
   * Duplicate requests are decided once and share the answer.
   */
  async checks(reader: PermissionReader, requests: readonly CheckRequest[], observe?: AnswerObserver): Promise<DecisionResult[]> {
    if (requests.length > this.options.maxChecks) {
      throw new InvalidInputError(`at most ${this.options.maxChecks} checks per call (got ${requests.length})`, 'requests');
    }
    requests.forEach((request, i) => validateCheck(request, `requests[${i}]`));
    const unique = new Map<string, Promise<DecisionResult>>();
    return Promise.all(
      requests.map((request) => {
        // Validated above: IDs and permissions hold no NUL, so this key is unambiguous
        // (and cheaper than JSON.stringify per check).
        const id = `${request.userId}\u0000${request.orgId}\u0000${request.permission}`;
        let answer = unique.get(id);
        if (!answer) {
          answer = this.decide(reader, request, observe);
          unique.set(id, answer);
        }
        return answer;
      }),
    );
  }

  private async decide(reader: PermissionReader, request: CheckRequest, observe?: AnswerObserver): Promise<DecisionResult> {
    const started = performance.now();
    const { snapshot, status } = await reader.load(request);
    observe?.(status);
    const allowed = allows(snapshot, request.permission, this.now());
    this.options.onAnswer?.({ status, allowed, seconds: (performance.now() - started) / 1000 });
    return {
      userId: request.userId,
      orgId: request.orgId,
      permission: request.permission,
      allowed,
      cacheStatus: status,
    };
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}

export function validateSubject(subject: Subject, path?: string): void {
  for (const field of ['userId', 'orgId'] as const) {
    const problem = describeIdProblem(subject[field]);
    if (problem) throw new InvalidInputError(`${field} ${problem}`, path);
  }
}

export function validateCheck(request: CheckRequest, path?: string): void {
  validateSubject(request, path);
  const problem = describePermissionProblem(request.permission, false);
  if (problem) throw new InvalidInputError(`permission ${problem}`, path);
}
