package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"text/tabwriter"

	"github.com/envseal/secret"
	"github.com/spf13/cobra"
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
	var r resolution
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

` + resolutionHelp + `

` + maskHelp(),
		Example: `  envseal check --manifest inf.yml --secret openai --dotenv .env
  envseal check --manifest inf.yml --dotenv .env --json`,
		Args:    noArguments,
		PreRunE: r.strictNeedsManifest,
		RunE: func(cmd *cobra.Command, _ []string) error {
			env, m, err := a.resolve(cmd.Context(), &r, false)
			if err != nil {
				return err
			}
			rep := checkReport{OK: true, Secrets: checkRows(env, m)}
			var verr error
			if m != nil {
				// Validate what was resolved, without loading the sources again.
				v := secret.Resolver{Manifest: m, Strict: r.strict}
				_, verr = v.Resolve(cmd.Context(), secret.FromMap(env.Map()))
			}
			var ve *secret.ValidationError
			if errors.As(verr, &ve) {
				rep.OK = false
				rep.Missing = map[string]string{}
				for _, k := range ve.Missing {
					rep.Missing[k] = ve.Descriptions[k]
				}
				rep.Undeclared = ve.Undeclared
			} else if verr != nil {
				return verr
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(rep); err != nil {
					return err
				}
			} else {
				tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "KEY\tORIGIN\tVALUE\tDECLARED")
				for _, row := range rep.Secrets {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", row.Key, or(row.Origin, "-"), row.Value, declared(row, m != nil))
				}
				if err := tw.Flush(); err != nil {
					return err
				}
			}
			if ve != nil {
				return ve
			}
			return nil
		},
	}
	r.addFlags(cmd.Flags())
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON (values masked)")
	return cmd
}

// checkRows makes a row for every resolved key and every declared one, in
// key order.
func checkRows(env *secret.Env, m *secret.Manifest) []checkRow {
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
			v, _ := env.Get(d.Key)
			row.Missing = row.Required && v == ""
		}
	}
	out := make([]checkRow, 0, len(rows))
	for _, k := range slices.Sorted(maps.Keys(rows)) {
		out = append(out, *rows[k])
	}
	return out
}

func declared(row checkRow, haveManifest bool) string {
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

func or(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}
