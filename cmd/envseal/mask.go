package main

import "fmt"

// maskHelp states the mask rule for help texts.
const maskHelp = `Values are masked: an empty value shows as (empty), any other as its length
in bytes and nothing else, as ****** (51 bytes): no character of a value is
ever shown masked.`

// mask returns a form of v that shows its length only.
func mask(v string) string {
	if v == "" {
		return "(empty)"
	}
	return fmt.Sprintf("****** (%d bytes)", len(v))
}
