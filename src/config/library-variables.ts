/**
 * Variables that libraries read from `process.env` by themselves: Apollo Server reads
 * APOLLO_KEY, APOLLO_GRAPH_REF, APOLLO_GRAPH_ID and APOLLO_GRAPH_VARIANT when it starts.
 * For the gateway an empty value means unset (loadConfig); an empty APOLLO_KEY would make
 * Apollo warn about "leading or trailing whitespace" on every start (a `.env` copied from
 * .env.example has `APOLLO_KEY=`). Deleting the empty ones makes the libraries agree.
 */
export const LIBRARY_VARIABLES = ['APOLLO_KEY', 'APOLLO_GRAPH_REF', 'APOLLO_GRAPH_ID', 'APOLLO_GRAPH_VARIANT'] as const;

/** Deletes each of LIBRARY_VARIABLES that is set to the empty string; others stay as they are. */
export function unsetEmptyLibraryVariables(env: NodeJS.ProcessEnv): void {
  for (const name of LIBRARY_VARIABLES) {
    if (env[name] === '') delete env[name];
  }
}
