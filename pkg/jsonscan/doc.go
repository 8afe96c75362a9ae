// Package jsonscan is Warden's one JSON reader: a single-pass RFC 8259
// scanner with the bounds hostile input needs (sizes, depth, counts,
// lengths), duplicate member detection, and the hooks its callers use. A
// Scanner is compiled once from Options (New), then:
//
//   - Check and Decode: the validator's threat pre-pass, strict UTF-8,
//     optionally building the document as encoding/json does with
//     UseNumber (pkg/validator);
//   - Members and MemberValues: the top-level members of a small object,
//     raw or decoded, names decoded as encoding/json decodes them,
//     duplicates refused (pkg/auth: JOSE headers, claims, JWKs);
//   - Visit: every string of a document with its place and raw offsets,
//     so a caller can scan values and splice replacements into the
//     original bytes (pkg/leakguard).
//
// The scanner recurses once per nesting level and allocates nothing for
// a document it only checks; its working state is pooled.
package jsonscan
