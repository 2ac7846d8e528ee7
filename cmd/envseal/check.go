package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/envseal/secret"
	"github.com/envseal/secret/internal/safetext"
)

// checkRow is one key in the output of check. Value is masked.
type checkRow struct {
	Key      string `json:"key"`
	Origin   string `json:"origin,omitempty"` // "" when missing
	Value    string `json:"value"`
	Declared bool   `json:"declared"`
	Required bool   `json:"required"`
	Missing  bool   `json:"missing,omitempty"`
}

// checkReport is the output of check --json.
type checkReport struct {
	OK         bool              `json:"ok"`
	Secrets    []checkRow        `json:"secrets"`
	Missing    map[string]string `json:"missing,omitempty"` // key -> description
	Undeclared []string          `json:"undeclared,omitempty"`
}

func newCheckCmd(a *app) *cobra.Command {
	r := resolution{lookup: a.env.lookup}
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "check [flags]",
		Short: "Resolve and validate secrets without running anything",
		Long: `Resolve the secrets as run would, validate them against the manifest, and
print one row per key: KEY, ORIGIN (the source whose value won), the masked
VALUE, and whether the manifest declares it (required, optional, or
undeclared). Required keys that are missing get a row too. When validation
fails, every missing key is listed with its description on standard error and
envseal exits 1.

With --json, the report is one JSON object, whose shape is stable:

  {
    "ok": false,
    "secrets": [
      {"key": "API_KEY", "origin": "name:app", "value": "****** (27 bytes)",
       "declared": true, "required": true},
      {"key": "DB_URL", "value": "(missing)", "declared": true,
       "required": true, "missing": true}
    ],
    "missing": {"DB_URL": "Where the database lives"},
    "undeclared": ["STRAY"]
  }

"ok" is whether the secrets satisfy the manifest; "secrets" has one entry per
key in key order, "value" masked, "origin" absent for a missing key;
"missing" maps each missing key to its description ("" if none) and
"undeclared" lists what --strict rejects; both are absent when empty.

` + resolutionHelp + `

` + maskHelp,
		Example: `  envseal check --manifest inf.yml --secret openai --dotenv .env
  envseal check --manifest inf.yml --dotenv .env --json`,
		Args:    noArguments,
		PreRunE: r.strictNeedsManifest,
		RunE: func(cmd *cobra.Command, _ []string) error {
			env, m, err := a.resolve(cmd.Context(), &r, false)
			if err != nil {
				return err
			}
			verr := validate(m, env, r.strict)
			var ve *secret.ValidationError
			if verr != nil && !errors.As(verr, &ve) {
				return verr
			}
			rep := newCheckReport(env, m, ve)
			if err := rep.write(cmd.OutOrStdout(), m != nil, asJSON); err != nil {
				return err
			}
			return verr
		},
	}
	r.addFlags(cmd.Flags())
	a.addSourceCompletion(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON (values masked)")
	return cmd
}

// validate checks the resolved env against the manifest m (nil: nothing to
// check) as run does, without loading the sources again.
func validate(m *secret.Manifest, env *secret.Env, strict bool) error {
	if m == nil {
		return nil
	}
	return m.Check(env.Map(), strict)
}

// newCheckReport makes a row for every resolved key and every declared one,
// in key order; ve, if not nil, says which are missing or undeclared.
func newCheckReport(env *secret.Env, m *secret.Manifest, ve *secret.ValidationError) checkReport {
	rows := map[string]*checkRow{}
	for _, k := range env.Keys() {
		v, _ := env.Get(k)
		rows[k] = &checkRow{Key: k, Origin: env.Origin(k), Value: mask(v)}
	}
	if m != nil {
		for _, d := range m.Secrets {
			row, ok := rows[d.Key]
			if !ok {
				row = &checkRow{Key: d.Key, Value: "(missing)"}
				rows[d.Key] = row
			}
			row.Declared, row.Required = true, !d.Optional
		}
	}
	rep := checkReport{OK: ve == nil, Secrets: make([]checkRow, 0, len(rows))}
	if ve != nil {
		rep.Missing = map[string]string{}
		for _, k := range ve.Missing {
			rows[k].Missing = true
			rep.Missing[k] = ve.Descriptions[k]
		}
		rep.Undeclared = ve.Undeclared
	}
	for _, k := range slices.Sorted(maps.Keys(rows)) {
		rep.Secrets = append(rep.Secrets, *rows[k])
	}
	return rep
}

// write prints the report as JSON, or as a table of the rows; haveManifest
// says whether the DECLARED column means anything.
func (rep checkReport) write(w io.Writer, haveManifest, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY\tORIGIN\tVALUE\tDECLARED")
	for _, row := range rep.Secrets {
		// An origin names a file or folder, whose name may hold control
		// characters: shown escaped, as in errors.
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", row.Key, safetext.Escape(orDash(row.Origin)), row.Value, row.declaration(haveManifest))
	}
	return tw.Flush()
}

// declaration is the DECLARED column of the row.
func (row checkRow) declaration(haveManifest bool) string {
	switch {
	case !haveManifest:
		return "-"
	case row.Missing:
		return "required, MISSING"
	case row.Required:
		return "required"
	case row.Declared:
		return "optional"
	}
	return "undeclared"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
