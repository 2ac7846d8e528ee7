package main

import "fmt"

// The mask rule, also written in the help of 'secrets get' and 'check'.
const (
	// maskShowFrom is the length in bytes from which a value's first
	// maskPrefix bytes are shown, if they are printable ASCII.
	maskShowFrom = 20
	maskPrefix   = 4
)

// maskHelp states the mask rule for help texts.
func maskHelp() string {
	return fmt.Sprintf(`Values are masked: an empty value shows as (empty); a value shorter than %d
bytes shows as ******** and nothing else, not even its length; a longer one
shows its first %d bytes (only if they are printable ASCII, so that a key's
kind, such as sk-p, can be told) then the length, as sk-p****** (51 bytes).`, maskShowFrom, maskPrefix)
}

// mask returns a form of v that shows too little to matter.
func mask(v string) string {
	switch {
	case v == "":
		return "(empty)"
	case len(v) < maskShowFrom:
		return "********"
	}
	prefix := v[:maskPrefix]
	for i := 0; i < len(prefix); i++ {
		if c := prefix[i]; c <= ' ' || c > '~' {
			prefix = ""
			break
		}
	}
	return fmt.Sprintf("%s****** (%d bytes)", prefix, len(v))
}
