// One import for everything of sys/net/route.h: the constants (route_defs.ts) and the
// routing-message codecs (rtmsg.ts). Kept as a facade so neither module imports the other's
// importer (no cycles).

export * from "./route_defs.ts";
export * from "./rtmsg.ts";
