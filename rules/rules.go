// Package rules holds the rule packs that ship with urgency, embedded in
// the binary. It does not depend on the engine: load a pack with
//
//	eng, err := urgency.LoadFS(rules.Default())
package rules

import (
	"embed"
	"io/fs"
)

//go:embed default/*.yaml
var files embed.FS

// Default returns the default pack: its rule files at the root of the
// returned file system, with their test files (*_test.yaml) beside them.
// It encodes common support practice: blocked customers first (failed
// payments, locked accounts, outages, contracts at risk, anger), then new
// customers who are lost, ordinary questions, and thanks and feature
// wishes last, in English, German, Croatian, Bosnian, Serbian (Latin and
// Cyrillic), Polish, Finnish, Spanish, French, Portuguese and Italian.
func Default() fs.FS {
	sub, err := fs.Sub(files, "default")
	if err != nil {
		panic(err) // the directory is embedded at build time
	}
	return sub
}
