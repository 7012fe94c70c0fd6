import { createRegistry } from '@bufbuild/protobuf';
import { allProtoFiles } from './gen/index.js';

/** Every message of the platform, to resolve a `ce-type` header to its schema. */
export const contractsRegistry = createRegistry(...allProtoFiles);
