import { unsetEmptyLibraryVariables } from '../../../src/config/library-variables';

test('empty Apollo variables are deleted; set ones and unrelated empty ones stay', () => {
  const env: NodeJS.ProcessEnv = { APOLLO_KEY: '', APOLLO_GRAPH_REF: 'graph@prod', APOLLO_GRAPH_VARIANT: '', LOG_LEVEL: '' };
  unsetEmptyLibraryVariables(env);
  expect(env).toEqual({ APOLLO_GRAPH_REF: 'graph@prod', LOG_LEVEL: '' });
  expect('APOLLO_KEY' in env).toBe(false);
});
