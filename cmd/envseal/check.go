package main

import (
	"context"
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
	// Description is the manifest's description of the key;
	// BundleDescription the one a bundle keeps with it.
	Description       string `json:"description,omitempty"`
	BundleDescription string `json:"bundle_description,omitempty"`
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
VALUE, whether the manifest declares it (required, optional, or undeclared),
and its DESCRIPTION: the manifest's, else the one a bundle keeps with the
key (see 'secrets set -d'; the last bundle that describes the key), shown
with characters that are not printable escaped. Required keys that are
missing get a row too. When validation fails, every missing key is listed
with its description on standard error and envseal exits 1.

With --json, the report is one JSON object, whose shape is stable:

  {
    "ok": false,
    "secrets": [
      {"key": "API_KEY", "origin": "name:app", "value": "****** (27 bytes)",
       "declared": true, "required": true, "description": "The API key",
       "bundle_description": "Staging key, rotated monthly"},
      {"key": "DB_URL", "value": "(missing)", "declared": true,
       "required": true, "missing": true,
       "description": "Where the database lives"}
    ],
    "missing": {"DB_URL": "Where the database lives"},
    "undeclared": ["STRAY"]
  }

"ok" is whether the secrets satisfy the manifest; "secrets" has one entry per
key in key order, "value" masked, "origin" absent for a missing key,
"description" (the manifest's) and "bundle_description" (the bundle's)
absent when there is none; "missing" maps each missing key to its
description ("" if none) and "undeclared" lists what --strict rejects; both
are absent when empty. With -f NAME, "function" is NAME.

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
	ctx := cmd.Context()
	pl, err := a.plan(cmd, r, p, fn, false)
	if err != nil {
		return rep, nil, err
	}
	env, err := pl.res.Resolve(ctx, pl.sources...)
	if err != nil {
		return rep, nil, pl.explain(ctx, err)
	}
	m := pl.manifest
	verr = validate(m, env, r.strict)
	var ve *secret.ValidationError
	if verr != nil && !errors.As(verr, &ve) {
		return rep, nil, verr
	}
	descs, err := bundleDescriptions(ctx, pl)
	if err != nil {
		return rep, nil, err
	}
	rep = newCheckReport(env, m, ve, descs)
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

// bundleDescriptions returns the descriptions that the bundles of pl keep
// with their keys, a later bundle's winning.
func bundleDescriptions(ctx context.Context, pl *resolvePlan) (map[string]string, error) {
	descs := map[string]string{}
	if pl.st == nil {
		return descs, nil
	}
	for _, ref := range pl.refs {
		_, info, err := getWithInfo(ctx, pl.st, ref.name)
		if ref.optional && errors.Is(err, secret.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, explainBundleError(ctx, pl.st, ref.name, err)
		}
		maps.Copy(descs, info.Descriptions)
	}
	return descs, nil
}

// newCheckReport makes a row for every resolved key and every declared one,
// in key order, with their descriptions: the manifest's, and those of
// bundleDescs; ve, if not nil, says which are missing or undeclared.
func newCheckReport(env *secret.Env, m *secret.Manifest, ve *secret.ValidationError, bundleDescs map[string]string) checkReport {
	rows := map[string]*checkRow{}
	for _, k := range env.Keys() {
		v, _ := env.Get(k)
		rows[k] = &checkRow{Key: k, Origin: env.Origin(k), Value: mask(v), BundleDescription: bundleDescs[k]}
	}
	if m != nil {
		for _, d := range m.Secrets {
			row, ok := rows[d.Key]
			if !ok {
				row = &checkRow{Key: d.Key, Value: "(missing)", BundleDescription: bundleDescs[d.Key]}
				rows[d.Key] = row
			}
			row.Declared, row.Required = true, !d.Optional
			row.Description = d.Description
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
	fmt.Fprintf(tw, "%sKEY\tORIGIN\tVALUE\tDECLARED\tDESCRIPTION\n", indent)
	for _, row := range rep.Secrets {
		// An origin names a file or folder, whose name may hold control
		// characters: shown escaped, as in errors.
		line := indent + row.Key + "\t" + safetext.Escape(orDash(row.Origin)) + "\t" + row.Value + "\t" + row.declaration(rep.haveManifest)
		if d := row.description(); d != "" {
			line += "\t" + escapeText(d)
		}
		fmt.Fprintln(tw, line)
	}
	return tw.Flush()
}

// description is the DESCRIPTION column of the row: the manifest's
// description of the key, else its bundle's. Multi-line descriptions (a
// YAML | block) show their runs of white space as one space.
func (row checkRow) description() string {
	d := row.Description
	if strings.TrimSpace(d) == "" {
		d = row.BundleDescription
	}
	return strings.Join(strings.Fields(d), " ")
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
