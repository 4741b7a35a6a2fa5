export * from "./close-codes.js";
export * from "./errors.js";
export * from "./filter.js";
export * from "./frames.js";
export * from "./parse.js";
export * from "./state.js";
export * from "./topic.js";
