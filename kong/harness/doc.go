// Package harness plays Kong's side of the external-plugin protocol so that
// end-to-end tests can drive real go-pdk plugin-server binaries over real Unix
// sockets, in front of real HTTP upstreams, without Kong itself.
//
// Every behaviour reproduced here was read from Kong's source (github.com/Kong/kong,
// commit 22246ef) and each file names the Lua file it follows. Where the harness
// deliberately differs from Kong (for example it bounds retries that Kong would
// repeat forever), the comment says so.
package harness
