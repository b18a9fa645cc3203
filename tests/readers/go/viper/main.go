// Conformance reader: github.com/spf13/viper (Debian golang-github-spf13-viper-dev, 1.10.1),
// env config type, which parses with Debian's 2019 gotenv snapshot.
// Usage: viper FILE -> prints {"key":"value",...} as JSON; exit 1 with viper's error.
//
//	v := viper.New(); v.SetConfigFile(FILE); v.SetConfigType("env"); v.ReadInConfig()
//
// Viper LOWERCASES every key (API_KEY -> api_key): compare keys case-insensitively.
// Viper also treats "." as a nesting delimiter, so AllSettings() would turn "a.b" into
// {"a":{"b":..}}; this reader prints the flat view instead: every v.AllKeys() entry with
// v.Get(key). AutomaticEnv is NOT enabled, so the process environment does not override.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"unicode/utf8"

	"github.com/spf13/viper"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: viper FILE")
		os.Exit(2)
	}
	v := viper.New()
	v.SetConfigFile(os.Args[1])
	v.SetConfigType("env")
	if err := v.ReadInConfig(); err != nil {
		fmt.Fprintf(os.Stderr, "viper: %v\n", err)
		os.Exit(1)
	}
	out := map[string]interface{}{}
	for _, k := range v.AllKeys() {
		val := v.Get(k)
		if s, ok := val.(string); ok && (!utf8.ValidString(s) || !utf8.ValidString(k)) {
			fmt.Fprintf(os.Stderr, "reader: key %q or its value is not valid UTF-8; cannot print as JSON\n", k)
			os.Exit(2)
		}
		out[k] = val
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		fmt.Fprintf(os.Stderr, "reader: %v\n", err)
		os.Exit(2)
	}
}
