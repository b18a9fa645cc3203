// Conformance reader: github.com/joho/godotenv (Debian golang-github-joho-godotenv-dev, 1.5.1).
// Usage: godotenv FILE -> prints {"KEY":"value",...} as JSON; exit 1 with godotenv's error.
// Calls godotenv.Read(FILE), which parses without touching the process environment.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"unicode/utf8"

	"github.com/joho/godotenv"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: godotenv FILE")
		os.Exit(2)
	}
	env, err := godotenv.Read(os.Args[1])
	if err != nil {
		fmt.Fprintf(os.Stderr, "godotenv: %v\n", err)
		os.Exit(1)
	}
	emit(env)
}

// emit prints the map as one JSON object. encoding/json would silently turn invalid
// UTF-8 into U+FFFD, so refuse such values instead (exit 2: reader cannot represent it).
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
