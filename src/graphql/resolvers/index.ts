import type { Resolvers } from '../generated/resolvers-types';
import { Query } from './query';

export const resolvers: Resolvers = { Query };
