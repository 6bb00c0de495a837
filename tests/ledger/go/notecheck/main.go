// notecheck verifies a signed note with golang.org/x/mod/sumdb/note, the format's reference implementation.
//
// Usage: notecheck <verifier key> <note file>
// Prints the note's text and exits 0 when a signature by the key verifies; prints the error and exits 1 otherwise.
// Built offline (GO111MODULE=off, GOPATH=/usr/share/gocode: Debian's golang-golang-x-mod-dev) by tests/ledger/test_note_go.py.
package main

import (
	"fmt"
	"os"

	"golang.org/x/mod/sumdb/note"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: notecheck <verifier key> <note file>")
		os.Exit(2)
	}
	verifier, err := note.NewVerifier(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "bad verifier key:", err)
		os.Exit(1)
	}
	msg, err := os.ReadFile(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	n, err := note.Open(msg, note.VerifierList(verifier))
	if err != nil {
		fmt.Fprintln(os.Stderr, "does not verify:", err)
		os.Exit(1)
	}
	fmt.Print(n.Text)
}
