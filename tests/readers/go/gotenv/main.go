// Conformance reader: github.com/subosito/gotenv (Debian golang-github-subosito-gotenv-dev,
// 1.2.0+git20190917.de67a66, the snapshot Debian's viper 1.10.1 uses).
// Usage: gotenv FILE -> prints {"KEY":"value",...} as JSON; exit 1 with gotenv's error.
// Calls gotenv.StrictParse on the opened file (the strict variant: invalid lines are errors).
// Note: this gotenv ignores bufio.Scanner errors, so a physical line over 64 KiB silently ends
// parsing (no error); the reader reproduces that as-is.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"unicode/utf8"

	"github.com/subosito/gotenv"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gotenv FILE")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintf(os.Stderr, "reader: %v\n", err)
		os.Exit(2)
	}
	defer f.Close()
	env, err := gotenv.StrictParse(f)
	if err != nil {
		fmt.Fprintf(os.Stderr, "gotenv: %v\n", err)
		os.Exit(1)
	}
	emit(map[string]string(env))
}

func emit(env map[string]string) {
	for k, v := range env {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			fmt.Fprintf(os.Stderr, "reader: key %q or its value is not valid UTF-8; cannot print as JSON\n", k)
			os.Exit(2)
		}
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(env); err != nil {
		fmt.Fprintf(os.Stderr, "reader: %v\n", err)
		os.Exit(2)
	}
}
