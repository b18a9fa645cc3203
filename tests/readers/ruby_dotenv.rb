#!/usr/bin/env ruby
# Conformance reader: Ruby dotenv (Debian package ruby-dotenv 2.4.0; see install.sh).
# Usage: ruby_dotenv.rb FILE -> {"KEY": "value", ...} on stdout.
#
# What `Dotenv.load(FILE)` (the dotenv-rails default) would put into ENV for keys not set yet:
# Dotenv::Environment.new(FILE, true), i.e. Dotenv::Parser.call(text, is_load = true).
# - The text is split into lines at every run of CR/LF BEFORE parsing: no multi-line values.
# - Double quotes: `\n`/`\r` become LF/CR, `\X` becomes X (but `\$` is kept for the next step),
#   then `$VAR`/`${VAR}` are expanded and `$(cmd)` is EXECUTED (unquoted values too).
# - Single quotes: taken literally. Lines it cannot parse are skipped silently.
# A FormatError (`export K` of an unset K) is exit 1.
require "json"
begin
  require "dotenv"
rescue LoadError => e
  warn "reader: #{e.message}; run tests/readers/install.sh"
  exit 2
end

if ARGV.length != 1
  warn "usage: ruby_dotenv.rb FILE"
  exit 2
end
path = ARGV[0]
unless File.file?(path)
  warn "reader: no such file: #{path}"
  exit 2
end
begin
  env = Dotenv::Environment.new(File.expand_path(path), true)
rescue Dotenv::FormatError, ArgumentError, EncodingError => e
  warn "ruby dotenv: #{e.message}"
  exit 1
end
begin
  out = JSON.generate(env.to_h, ascii_only: true)
rescue JSON::GeneratorError, EncodingError => e
  warn "reader: cannot print the result as JSON: #{e.message}"
  exit 2
end
$stdout.write(out + "\n")
