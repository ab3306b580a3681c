import { execFile } from 'node:child_process';
import { parseAllDocuments } from 'yaml';

/** One object of a rendered manifest, as plain data. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/**
 * Renders a kustomization directory with `kubectl kustomize` (the kubectl that the
 * project's machines ship; no cluster is contacted) and returns its objects.
 * @throws Error with kubectl's message when the kustomization does not build.
 */
export function kustomize(dir: string): Promise<{ text: string; objects: KubeObject[] }> {
  return new Promise((resolve, reject) => {
    execFile('kubectl', ['kustomize', dir], { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`kubectl kustomize ${dir} failed (is kubectl installed?): ${stderr || error.message}`));
      const documents = parseAllDocuments(stdout);
      if (!Array.isArray(documents)) return reject(new Error(`kubectl kustomize ${dir}: empty output`));
      const problems = documents.flatMap((d) => d.errors.map((e) => e.message));
      if (problems.length > 0) return reject(new Error(`kubectl kustomize ${dir}: invalid YAML: ${problems.join('; ')}`));
      resolve({ text: stdout, objects: documents.map((d) => d.toJS() as KubeObject) });
    });
  });
}
