// Package packfile reads the rule-file format of package urgency: the
// files of a pack as sources with positions, their YAML decoded node by
// node so that every problem gets a file:line:col and a caret line (and a
// "did you mean" for a misspelt name), the expressions with the mapping
// of an offset inside them back to the file, the bases that extends names
// and the overrides on top of them, and calendars. [Read] returns the
// pack as typed definitions ([Pack]) with every problem found, for
// package urgency to compile. Nothing here knows what an expression
// means: expr's parser and compiler run in urgency.
//
// Everything read is untrusted: files are read through an fs.FS (or,
// for urgency.Load, the operating system's files with bases confined to
// an os.Root), only regular files, at most MaxFileSize bytes each, and
// YAML aliases are bounded before a file is decoded.
package packfile
