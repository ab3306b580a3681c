import { PrometheusRule, ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Job } from 'kubernetes-models/batch/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';

/** A model class of `kubernetes-models`: its API version, kind and schema validation. */
interface ModelClass {
  apiVersion: string;
  kind: string;
  prototype: { validate(): void };
}

const MODELS: ModelClass[] = [
  ConfigMap, Namespace, Secret, Service, ServiceAccount, Deployment, Job, HorizontalPodAutoscaler,
  NetworkPolicy, PodDisruptionBudget, ServiceMonitor, PrometheusRule,
];

/**
 * What the Kubernetes API schema (the official OpenAPI schemas, and the Prometheus
 * Operator's CRDs, as compiled by `kubernetes-models`) finds wrong with `object`: type
 * and required-field errors, and every field the schema does not know. The compiled
 * validators ignore unknown fields (the API server drops them, or refuses them with
 * strict field validation), so a misspelt `readinesProbe` would pass unseen; fields
 * are therefore tracked as the validator reads them, and a field it never read is one
 * the schema has no place for. Empty when the object is valid.
 */
export function schemaProblems(object: { apiVersion?: unknown; kind?: unknown }): string[] {
  const model = MODELS.find((m) => m.apiVersion === object.apiVersion && m.kind === object.kind);
  if (!model) return [`no schema here for ${String(object.apiVersion)} ${String(object.kind)}`];
  const tracker = new FieldTracker();
  try {
    model.prototype.validate.call(tracker.wrap(object, ''));
  } catch (error) {
    return [error instanceof Error ? error.message : String(error)];
  }
  return tracker.unread().map((field) => `data${field} is not a field of ${model.apiVersion} ${model.kind}`);
}

/** Wraps plain data in proxies that record which fields of each object were read. */
class FieldTracker {
  private readonly records = new Map<object, { path: string; read: Set<string>; proxy: object }>();

  wrap<T>(value: T, path: string): T {
    if (value === null || typeof value !== 'object') return value;
    let record = this.records.get(value);
    if (!record) {
      const read = new Set<string>();
      const proxy = new Proxy(value, {
        get: (target, key, receiver) => {
          const inner: unknown = Reflect.get(target, key, receiver);
          if (typeof key !== 'string' || !Object.prototype.hasOwnProperty.call(target, key)) return inner;
          read.add(key);
          return this.wrap(inner, `${path}/${key}`);
        },
      });
      record = { path, read, proxy };
      this.records.set(value, record);
    }
    return record.proxy as T;
  }

  unread(): string[] {
    return [...this.records].flatMap(([value, { path, read }]) =>
      Array.isArray(value) ? [] : Object.keys(value).filter((key) => !read.has(key)).map((key) => `${path}/${key}`),
    );
  }
}
