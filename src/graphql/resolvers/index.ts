import type { Resolvers } from '../generated/resolvers-types';
import { AdminQuery } from './admin-query';
import { adminTypes } from './admin-types';
import { Mutation } from './mutation';
import { Query } from './query';

export const resolvers: Resolvers = { Query: { ...Query, ...AdminQuery }, Mutation, ...adminTypes };
