/**
 * The DNS wire layer: query parsing, response building, upstream rewriting and answer
 * inspection. Dependency-free; see each module for the RFC sections it implements.
 */
export * from './constants.js';
export * from './edns.js';
export * from './inspect.js';
export * from './message.js';
export * from './name.js';
export * from './query.js';
export * from './response.js';
export * from './rewrite.js';
export * from './structured-error.js';
export { Writer } from './writer.js';
