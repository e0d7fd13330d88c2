package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/triagekit/triage/internal/termsafe"
	"github.com/triagekit/triage/rules"
	"github.com/triagekit/triage/urgency"
)

// Exit codes, the same for every command.
const (
	exitOK       = 0 // done; for check and test: no findings
	exitFindings = 1 // the rules, the tests or the tickets have problems, or a failure
	exitUsage    = 2 // the command line is wrong
)

// exitCode is the error a command returns once it has reported what went
// wrong itself: only its code is left to give.
type exitCode int

func (c exitCode) Error() string { return fmt.Sprintf("exit %d", int(c)) }

// done turns a command's exit code into what cobra's RunE returns.
func done(code int) error {
	if code == exitOK {
		return nil
	}
	return exitCode(code)
}

// usageError is a mistake on the command line, reported in one line with
// the command's name.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// maxArgs accepts at most n arguments and says what to give otherwise.
func maxArgs(n int, hint string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) > n {
			return usageError{hint}
		}
		return nil
	}
}

// streams are where a command reads and writes.
type streams struct {
	in          io.Reader
	out, errOut io.Writer
	inTerminal  bool // in is a terminal: someone may be waiting for a prompt
	// rawOut is standard output without termsafe, for a table whose every
	// cell is made safe already and that carries colours; width is the
	// terminal's (0: not a terminal); color says levels are coloured.
	rawOut      io.Writer
	width       int
	color       bool
	errTerminal bool      // errOut is a terminal: a progress line may be shown
	rawErr      io.Writer // standard error without termsafe, for the progress line
}

// progressLine is a line on a terminal's standard error that says how far
// a long run is, rewritten in place and cleared at the end. Its methods do
// nothing on a nil progressLine: stderr is not a terminal.
type progressLine struct {
	w     io.Writer
	shown bool
}

// progress returns the progress line of a command, nil when standard
// error is not a terminal (a pipe or a file gets no progress).
func (s *streams) progress() *progressLine {
	if !s.errTerminal || s.rawErr == nil {
		return nil
	}
	return &progressLine{w: s.rawErr}
}

// show rewrites the line; what it shows holds only numbers and our words.
func (p *progressLine) show(format string, args ...any) {
	if p == nil {
		return
	}
	fmt.Fprintf(p.w, "\r\x1b[K"+format, args...)
	p.shown = true
}

// clear removes the line, before anything else is written to stderr.
func (p *progressLine) clear() {
	if p == nil || !p.shown {
		return
	}
	fmt.Fprint(p.w, "\r\x1b[K")
	p.shown = false
}

// progressEvery is how many tickets are read between two updates of the
// progress line, and the fewest tickets for which ranking is announced.
const progressEvery = 10000

const rootLong = `urgency ranks support tickets by the policy in a rule pack.

Without --rules, the embedded default pack is used. --rules may be given
several times, and may name a file, a directory or a glob pattern.
Tickets are JSON Lines, one ticket per line; "-" or no file reads
standard input.

Flags may come anywhere on the line, and take one dash or two: -now and
--now are the same flag.

Exit codes:
  0  done; no problem found
  1  the rules, the tests or the tickets have problems, or a command failed
  2  the command line is wrong (an unknown flag, a missing argument)
  3  diff --exit-code only: some ticket comes out differently`

// newRoot builds the command tree.
func newRoot(s *streams) *cobra.Command {
	root := &cobra.Command{
		Use:           "urgency",
		Short:         "Rank support tickets by the policy in a rule pack",
		Long:          rootLong,
		SilenceErrors: true,
		SilenceUsage:  true,
		// A mistake in a flag is a usage error like any other.
		DisableFlagsInUseLine: false,
	}
	root.SetIn(s.in)
	root.SetOut(s.out)
	root.SetErr(s.errOut)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return usageError{flagMessage(err)}
	})
	root.AddCommand(
		newCheckCmd(s), newRankCmd(s), newDiffCmd(s), newExplainCmd(s), newSimilarCmd(s),
		newTestCmd(s), newGenCmd(s), newReportCmd(s), newShowCmd(s), newQueueCmd(s), newVersionCmd(s),
	)
	// The help command and flag print on standard output, as asked.
	root.SetHelpCommand(&cobra.Command{
		Use:   "help [COMMAND]",
		Short: "Show the help of a command",
		Long:  "help shows what a command does, its arguments, flags and examples.",
		Args:  cobra.ArbitraryArgs,
		ValidArgsFunction: func(c *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
			var names []cobra.Completion
			for _, sub := range c.Root().Commands() {
				if sub.IsAvailableCommand() {
					names = append(names, sub.Name())
				}
			}
			return names, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(c *cobra.Command, args []string) error {
			cmd, _, err := c.Root().Find(args)
			if err != nil || cmd == nil {
				return usagef("unknown command %q", strings.Join(args, " "))
			}
			return cmd.Help()
		},
	})
	// Cobra adds these when it runs; added now, "help CMD" shows the same
	// flags as "CMD -h" and "help" lists the completion command.
	root.InitDefaultCompletionCmd()
	var helpFlags func(c *cobra.Command)
	helpFlags = func(c *cobra.Command) {
		c.InitDefaultHelpFlag()
		for _, sub := range c.Commands() {
			helpFlags(sub)
		}
	}
	helpFlags(root)
	return root
}

// run is the whole command; it returns the exit code: 0 success, 1 a
// problem with the input or the rules, 2 a usage error. What it prints
// goes through termsafe: a ticket's ID or subject cannot send escape
// sequences or bidirectional controls to the terminal, in any format (in
// JSON, the escape termsafe writes is the JSON escape of the character).
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	out, errs := termsafe.NewWriter(stdout), termsafe.NewWriter(stderr)
	defer errs.Flush()
	defer out.Flush()
	s := &streams{in: stdin, out: out, errOut: errs, rawOut: stdout, rawErr: stderr, inTerminal: isTerminal(stdin), errTerminal: isTerminal(stderr)}
	if isTerminal(stdout) {
		if w, _, err := term.GetSize(int(stdout.(*os.File).Fd())); err == nil {
			s.width = w
		}
		s.color = colorWanted(os.LookupEnv)
	}
	return command(args, s)
}

// colorWanted says whether a terminal gets colours: not with NO_COLOR
// set to anything (https://no-color.org), nor on TERM=dumb.
func colorWanted(lookup func(string) (string, bool)) bool {
	if _, set := lookup("NO_COLOR"); set {
		return false
	}
	t, _ := lookup("TERM")
	return t != "dumb"
}

// isTerminal reports whether f is a terminal.
func isTerminal(f any) bool {
	file, ok := f.(*os.File)
	return ok && term.IsTerminal(int(file.Fd()))
}

func command(args []string, s *streams) int {
	root := newRoot(s)
	if len(args) == 0 {
		root.SetOut(s.errOut)
		root.Help()
		return exitUsage
	}
	args = longFlags(root, args)
	root.SetArgs(args)
	cmd, err := root.ExecuteC()
	var code exitCode
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &code):
		return int(code)
	}
	if cmd == root && strings.HasPrefix(err.Error(), "unknown command") {
		name := args[0]
		msg := fmt.Sprintf("urgency: unknown command %q", name)
		if sugg := root.SuggestionsFor(name); len(sugg) > 0 {
			msg += fmt.Sprintf(" (did you mean %q?)", sugg[0])
		}
		fmt.Fprintf(s.errOut, "%s; see \"urgency help\"\n", msg)
		return exitUsage
	}
	fmt.Fprintf(s.errOut, "%s: %s (see \"%s --help\")\n", cmd.CommandPath(), oneLine(err.Error()), cmd.CommandPath())
	return exitUsage
}

// longFlags accepts long flags with one dash, as the Go flag package did
// and as the tutorial and scripts write them: -now becomes --now when now
// is the name of a flag of some command (pflag would otherwise read it as
// the shorthands -n -o -w). A value after "--" is left alone.
func longFlags(root *cobra.Command, args []string) []string {
	names := map[string]bool{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.Flags().VisitAll(func(f *pflag.Flag) { names[f.Name] = true })
		c.PersistentFlags().VisitAll(func(f *pflag.Flag) { names[f.Name] = true })
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	names["help"] = true
	out := make([]string, 0, len(args))
	for i, a := range args {
		if a == "--" {
			return append(out, args[i:]...)
		}
		if strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "--") && len(a) > 2 {
			name, _, _ := strings.Cut(a[1:], "=")
			if names[name] {
				a = "-" + a
			}
		}
		out = append(out, a)
	}
	return out
}

var (
	shorthandErr = regexp.MustCompile(`^unknown shorthand flag: '.' in (-\S+)$`)
	valueErr     = regexp.MustCompile(`^invalid argument "(.*)" for "(?:-., )?(--\S+)" flag: (.*)$`)
)

// flagMessage words pflag's errors for a reader who wrote -verbose, not
// -v -e -r -b...
func flagMessage(err error) string {
	msg := err.Error()
	if m := shorthandErr.FindStringSubmatch(msg); m != nil {
		return "unknown flag " + m[1]
	}
	if m := valueErr.FindStringSubmatch(msg); m != nil {
		why := m[3]
		if strings.Contains(why, "strconv.") {
			why = "not a whole number"
			if strings.Contains(m[3], "ParseUint") {
				why = "not a whole number of 0 or more"
			}
			if strings.Contains(m[3], "out of range") {
				why = "out of range"
			}
		}
		return fmt.Sprintf("%s %q: %s", m[2], m[1], why)
	}
	msg = strings.Replace(msg, "unknown flag: ", "unknown flag ", 1)
	return msg
}

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	return s
}

func newVersionCmd(s *streams) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of urgency and of its default pack",
		Long: `version prints the module version urgency was built from (with the
commit, when the build recorded one), the version of the embedded
default pack, and the Go version.`,
		Example: "  urgency version",
		Args:    maxArgs(0, "takes no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			fmt.Fprintf(s.out, "urgency %s\n", moduleVersion())
			eng, err := urgency.LoadFS(rules.Default())
			if err != nil {
				fmt.Fprintf(s.errOut, "urgency version: the default pack does not load: %v\n", err)
				return exitCode(exitFindings)
			}
			fmt.Fprintf(s.out, "pack %s\n", eng.Version())
			fmt.Fprintf(s.out, "go %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return nil
		},
	}
}

// moduleVersion is the version of the main module from the build info:
// a tag for go install ...@v1.2.0, "(devel)" for a build in the source
// tree, with the commit when the build recorded it.
func moduleVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)"
	}
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = ", modified"
			}
		}
	}
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		v += fmt.Sprintf(" (commit %s%s)", rev, modified)
	}
	return v
}

// formatFlag adds --format with its allowed values, which shell
// completion offers.
func formatFlag(c *cobra.Command, p *string, values ...string) {
	c.Flags().StringVar(p, "format", values[0], "output `format`: "+strings.Join(values, " or "))
	c.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp))
}

// rulesFlag adds a repeatable rule-file flag; completion offers YAML
// files and directories.
func rulesFlag(c *cobra.Command, p *[]string, name, usage string) {
	c.Flags().StringArrayVar(p, name, nil, usage)
	c.MarkFlagFilename(name, "yaml", "yml")
}
