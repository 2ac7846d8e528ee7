//go:build unix

package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readme is the repository's README, from this package's folder.
const readme = "../../README.md"

// The walkthrough of the README is the text between these markers. In it,
// every fenced block is either a ```console transcript, whose "$ " lines
// are run and the lines under them are their output, or follows a marker
// that says what to do with its text:
//
//	<!-- walkthrough: write FILE -->   write the block to FILE
//	<!-- walkthrough: append FILE -->  add it at the end of FILE
//	<!-- walkthrough: expect FILE -->  FILE holds exactly the block
//
// A transcript line that ends in "# exits N" expects exit code N; any other
// expects 0.
const (
	walkthroughBegin = "<!-- walkthrough: begin -->"
	walkthroughEnd   = "<!-- walkthrough: end -->"
)

var (
	walkthroughMarker = regexp.MustCompile(`^<!-- walkthrough: (write|append|expect) (\S+) -->$`)
	exitsComment      = regexp.MustCompile(`\s+# exits (\d+)$`)
)

// walkStep is one thing the walkthrough does.
type walkStep struct {
	line   int    // of the README where its block starts
	action string // write, append, expect, or run
	file   string // for write, append and expect
	body   string // the block's text, or the command for run
	output string // for run: what it prints, standard output and error together
	exit   int    // for run
}

// parseWalkthrough returns the steps of the walkthrough in the README text
// data.
func parseWalkthrough(data string) ([]walkStep, error) {
	lines := strings.Split(data, "\n")
	begin, end := -1, -1
	for i, l := range lines {
		switch l {
		case walkthroughBegin:
			begin = i
		case walkthroughEnd:
			end = i
		}
	}
	if begin < 0 || end < begin {
		return nil, errors.New("no walkthrough: want its begin and end markers, in order")
	}
	var steps []walkStep
	var pending *walkStep // a marker waiting for its block
	for i := begin + 1; i < end; i++ {
		l := lines[i]
		if m := walkthroughMarker.FindStringSubmatch(l); m != nil {
			pending = &walkStep{line: i + 1, action: m[1], file: m[2]}
			continue
		}
		lang, ok := strings.CutPrefix(l, "```")
		if !ok {
			continue
		}
		j := i + 1
		for j < end && lines[j] != "```" {
			j++
		}
		if j == end {
			return nil, fmt.Errorf("README.md:%d: the block does not end before the walkthrough does", i+1)
		}
		block := lines[i+1 : j]
		switch {
		case pending != nil:
			pending.body = strings.Join(block, "\n") + "\n"
			steps = append(steps, *pending)
			pending = nil
		case lang == "console":
			run, err := parseTranscript(i+2, block)
			if err != nil {
				return nil, err
			}
			steps = append(steps, run...)
		default:
			return nil, fmt.Errorf("README.md:%d: a ```%s block that the walkthrough does not run: make it a console transcript or put a marker before it", i+1, lang)
		}
		i = j
	}
	if pending != nil {
		return nil, fmt.Errorf("README.md:%d: a marker without its block", pending.line)
	}
	return steps, nil
}

// parseTranscript returns the commands of a console block, whose first line
// is line first of the README.
func parseTranscript(first int, block []string) ([]walkStep, error) {
	var steps []walkStep
	for i, l := range block {
		if cmd, ok := strings.CutPrefix(l, "$ "); ok {
			st := walkStep{line: first + i, action: "run", body: cmd}
			if m := exitsComment.FindStringSubmatch(cmd); m != nil {
				st.exit, _ = strconv.Atoi(m[1])
			}
			steps = append(steps, st)
			continue
		}
		if len(steps) == 0 {
			return nil, fmt.Errorf("README.md:%d: output before the first command of the transcript", first+i)
		}
		steps[len(steps)-1].output += l + "\n"
	}
	return steps, nil
}

// TestReadmeWalkthrough runs the README's "Five minutes with envseal" as a
// new user would: the envseal binary on PATH, a new HOME with no key, no
// store and no ENVSEAL_ variable, in a folder hello/. Each command's output
// and exit code must be what the README shows, the home folder written ~.
func TestReadmeWalkthrough(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(readme)
	require.NoError(t, err)
	steps, err := parseWalkthrough(string(data))
	require.NoError(t, err)

	// The walkthrough shows what its title says.
	var commands []string
	for _, st := range steps {
		if st.action == "run" {
			commands = append(commands, st.body)
		}
	}
	for _, want := range []string{"envseal init", "envseal secrets set", "envseal run", "envseal check"} {
		assert.True(t, strings.Contains(strings.Join(commands, "\n"), want), "the walkthrough runs %s", want)
	}

	bin := envsealBinary(t)
	home := t.TempDir()
	work := filepath.Join(home, "hello")
	require.NoError(t, os.Mkdir(work, 0o700))
	env := []string{"PATH=" + filepath.Dir(bin) + string(os.PathListSeparator) + os.Getenv("PATH"), "HOME=" + home}
	// The user config dir as the README writes it (Linux's); macOS has its
	// own.
	tilde := strings.NewReplacer(filepath.Join(home, "Library", "Application Support"), "~/.config", home, "~")

	for _, st := range steps {
		where := fmt.Sprintf("README.md:%d", st.line)
		path := filepath.Join(work, filepath.FromSlash(st.file))
		switch st.action {
		case "write":
			require.NoError(t, os.WriteFile(path, []byte(st.body), 0o600), where)
		case "append":
			f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
			require.NoError(t, err, where)
			_, err = f.WriteString(st.body)
			require.NoError(t, err, where)
			require.NoError(t, f.Close(), where)
		case "expect":
			got, err := os.ReadFile(path)
			require.NoError(t, err, where)
			require.Equal(t, st.body, string(got), "%s: %s is not what the README shows", where, st.file)
		case "run":
			cmd := exec.Command("sh", "-c", st.body)
			cmd.Dir = work
			cmd.Env = env
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out // one pipe: the order they were written in
			err := cmd.Run()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else {
				require.NoError(t, err, where)
			}
			require.Equal(t, st.output, tilde.Replace(out.String()), "%s: the output of %s", where, st.body)
			require.Equal(t, st.exit, code, "%s: the exit code of %s", where, st.body)
		}
	}
}

// TestParseWalkthrough checks that the parser refuses a walkthrough that
// would leave something out.
func TestParseWalkthrough(t *testing.T) {
	t.Parallel()
	wrap := func(s string) string { return "intro\n" + walkthroughBegin + "\n" + s + walkthroughEnd + "\n" }
	tests := []struct {
		name    string
		in      string
		want    []walkStep
		wantErr string
	}{
		{"steps", wrap("text\n<!-- walkthrough: write a.yml -->\n```yaml\nx: 1\n```\n```console\n$ envseal check   # exits 1\nout 1\n\nout 2\n$ true\n```\n"),
			[]walkStep{
				{line: 4, action: "write", file: "a.yml", body: "x: 1\n"},
				{line: 9, action: "run", body: "envseal check   # exits 1", output: "out 1\n\nout 2\n", exit: 1},
				{line: 13, action: "run", body: "true"},
			}, ""},
		{"no markers", "```console\n$ true\n```\n", nil, "no walkthrough"},
		{"a block that is not run", wrap("```sh\nenvseal init\n```\n"), nil, "README.md:3: a ```sh block that the walkthrough does not run"},
		{"a marker without a block", wrap("<!-- walkthrough: expect a -->\n"), nil, "a marker without its block"},
		{"output before a command", wrap("```console\nhello\n$ true\n```\n"), nil, "output before the first command"},
		{"a block that does not end", wrap("```console\n$ true\n"), nil, "does not end"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseWalkthrough(tt.in)
			if tt.wantErr != "" {
				assert.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}
