/**
 * User, organization and role name rules, so forms can say what is wrong before
 * sending: the gateway's own module (src/authz/identifiers.ts, pure code), bundled into
 * the console. IDs are 1-256 printable characters; names also may not start or end with
 * white space.
 */
export { describeIdProblem, describeNameProblem, MAX_ID_LENGTH } from '../../../src/authz/identifiers';
