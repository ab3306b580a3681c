import type { Resolvers } from '../generated/resolvers-types';
import { AdminQuery } from './admin-query';
import { adminTypes } from './admin-types';
import { Mutation } from './mutation';
import { Query } from './query';
import { WhoCanQuery } from './who-can';

export const resolvers: Resolvers = { Query: { ...Query, ...AdminQuery, ...WhoCanQuery }, Mutation, ...adminTypes };
