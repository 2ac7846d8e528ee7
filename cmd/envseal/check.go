package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/envseal/secret"
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
	Function   string            `json:"function,omitempty"` // of envseal.yml; "" for the project
	OK         bool              `json:"ok"`
	Secrets    []checkRow        `json:"secrets"`
	Missing    map[string]string `json:"missing,omitempty"` // key -> description
	Undeclared []string          `json:"undeclared,omitempty"`

	haveManifest bool // whether the DECLARED column means anything
}

// projectReport is the output of check --json for every function of
// envseal.yml.
type projectReport struct {
	OK        bool          `json:"ok"` // every function's
	Functions []checkReport `json:"functions"`
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
"undeclared" lists what --strict rejects; both are absent when empty. With
-f NAME, "function" is NAME.

In a folder whose envseal.yml defines functions, check without -f checks
each of them (the project's sources and the function's, and the function's
manifest), in the file's order: a table for each, under "function NAME:",
and every missing key of every function on standard error. Its --json is
{"ok": ..., "functions": [REPORT, ...]}, one REPORT as above for each
function, "ok" being whether they all are. With -f NAME, or when the file
defines no functions, check checks one set of sources, as above.

` + resolutionHelp + `

` + maskHelp,
		Example: `  envseal check                            # the project of envseal.yml: each function
  envseal check -f api --json
  envseal check --manifest inf.yml --secret openai --dotenv .env
  envseal check --manifest inf.yml --dotenv .env --json`,
		Args: noArguments,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := a.loadProject(cmd, &r)
			if err != nil {
				return err
			}
			if r.function == "" && p != nil && len(p.functions) > 0 {
				return a.checkFunctions(cmd, &r, p, asJSON)
			}
			rep, verr, err := a.check(cmd, &r, p, r.function)
			if err != nil {
				return err
			}
			if err := rep.write(cmd.OutOrStdout(), asJSON); err != nil {
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

// check resolves and validates the sources of the project p (nil: none),
// of its function fn ("" for the project alone) and of the flags. It
// returns the report and, when the secrets do not satisfy the manifest, the
// *secret.ValidationError; err is any other failure.
func (a *app) check(cmd *cobra.Command, r *resolution, p *project, fn string) (rep checkReport, verr, err error) {
	env, m, err := a.resolve(cmd, r, p, fn, false)
	if err != nil {
		return rep, nil, err
	}
	verr = validate(m, env, r.strict)
	var ve *secret.ValidationError
	if verr != nil && !errors.As(verr, &ve) {
		return rep, nil, verr
	}
	rep = newCheckReport(env, m, ve)
	rep.Function = fn
	return rep, verr, nil
}

// checkFunctions checks every function of p, in file order, and prints a
// report for each; it fails naming every missing key of every function. A
// function whose sources fail ends it, after the tables of those before it
// (with --json, nothing is printed then).
func (a *app) checkFunctions(cmd *cobra.Command, r *resolution, p *project, asJSON bool) error {
	w := cmd.OutOrStdout()
	all := projectReport{OK: true}
	var failed []string
	for i, fn := range p.functionNames() {
		rep, verr, err := a.check(cmd, r, p, fn)
		var ue *usageError
		switch {
		case errors.As(err, &ue):
			return err
		case err != nil:
			return fmt.Errorf("function %s: %w", fn, err)
		case verr != nil:
			all.OK = false
			failed = append(failed, fmt.Sprintf("function %s: %v", fn, verr))
		}
		all.Functions = append(all.Functions, rep)
		if asJSON {
			continue
		}
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "function %s:\n", fn)
		if err := rep.writeTable(w, "  "); err != nil {
			return err
		}
	}
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(all); err != nil {
			return err
		}
	}
	if len(failed) > 0 {
		return &exitCode{code: exitFailure, msg: strings.Join(failed, "\nenvseal: ")}
	}
	return nil
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
	rep := checkReport{OK: ve == nil, Secrets: make([]checkRow, 0, len(rows)), haveManifest: m != nil}
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

// write prints the report as JSON, or as a table of the rows.
func (rep checkReport) write(w io.Writer, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return rep.writeTable(w, "")
}

// writeTable prints the rows as a table, each line after indent.
func (rep checkReport) writeTable(w io.Writer, indent string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "%sKEY\tORIGIN\tVALUE\tDECLARED\n", indent)
	for _, row := range rep.Secrets {
		fmt.Fprintf(tw, "%s%s\t%s\t%s\t%s\n", indent, row.Key, orDash(row.Origin), row.Value, row.declaration(rep.haveManifest))
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
