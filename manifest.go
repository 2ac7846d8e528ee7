package secret

import (
	"errors"
	"fmt"
	"maps"
	"slices"
)

// Declaration declares one secret a workload uses, as an entry of the
// `secrets:` list of an inference.sh inf.yml file.
type Declaration struct {
	Key         string // the environment variable
	Description string // what it is for; shown when it is missing
	Optional    bool   // false: the workload must not run without it
}

// Manifest declares the secrets a workload uses. A [Resolver] with a Manifest
// refuses to resolve when a required secret is missing.
type Manifest struct {
	Secrets []Declaration
}

// ParseManifest parses an inf.yml document. TODO(parse): replaced by the
// yaml.v3 parser.
func ParseManifest(data []byte) (*Manifest, error) {
	return nil, errors.New("envseal: ParseManifest: not built yet")
}

// LoadManifest reads and parses the inf.yml file at path.
func LoadManifest(path string) (*Manifest, error) {
	return nil, errors.New("envseal: LoadManifest: not built yet")
}

// validate reports a manifest that cannot be checked against: an empty,
// invalid or repeated key.
func (m *Manifest) validate() error {
	seen := make(map[string]int, len(m.Secrets))
	for i, d := range m.Secrets {
		switch {
		case d.Key == "":
			return fmt.Errorf("secret %d: empty key", i+1)
		case !validKey(d.Key):
			return fmt.Errorf("secret %d: invalid key %s: want [A-Za-z_][A-Za-z0-9_]*", i+1, quoteKey(d.Key))
		}
		if j, ok := seen[d.Key]; ok {
			return fmt.Errorf("secret %d: key %s is already declared by secret %d", i+1, d.Key, j+1)
		}
		seen[d.Key] = i
	}
	return nil
}

// check validates resolved secrets against the manifest: every required key
// present and non-empty; with strict, no undeclared key.
func (m *Manifest) check(vars map[string]string, strict bool) error {
	var verr ValidationError
	declared := make(map[string]bool, len(m.Secrets))
	for _, d := range m.Secrets {
		declared[d.Key] = true
		if d.Optional || vars[d.Key] != "" {
			continue
		}
		verr.Missing = append(verr.Missing, d.Key)
		if d.Description != "" {
			if verr.Descriptions == nil {
				verr.Descriptions = map[string]string{}
			}
			verr.Descriptions[d.Key] = d.Description
		}
	}
	if strict {
		for _, k := range slices.Sorted(maps.Keys(vars)) {
			if !declared[k] {
				verr.Undeclared = append(verr.Undeclared, k)
			}
		}
	}
	if len(verr.Missing) == 0 && len(verr.Undeclared) == 0 {
		return nil
	}
	slices.Sort(verr.Missing)
	return &verr
}
