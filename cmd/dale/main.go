// Command dale trains excitatory/inhibitory continuous-time recurrent neural
// networks on neuroscience tasks. Run "dale help" for the list of commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"sort"
	"strings"
	"syscall"

	"github.com/dale-rnn/dale/internal/blas"
	"github.com/dale-rnn/dale/internal/memlimit"
)

// command is one subcommand of dale. Each lives in its own file and adds
// itself to commands in an init function, so later work only adds files.
type command struct {
	name    string
	summary string
	// run parses args (the words after the command name) and does the work.
	// An error it returns is printed on one line; see exitCode.
	run func(ctx context.Context, args []string, env *env) error
}

// env is what a command may touch of the outside world, so tests can run
// commands in-process.
type env struct {
	stdout io.Writer
	stderr io.Writer
}

var commands = map[string]*command{}

func register(c *command) { commands[c.name] = c }

// runtimeError marks a failure that is not the user's fault (for example a
// training run that diverged): it exits 1. An interruption exits 3. Every
// other error exits 2.
type runtimeError struct{ err error }

func (e runtimeError) Error() string { return e.err.Error() }
func (e runtimeError) Unwrap() error { return e.err }

// errInterrupted is returned by a command stopped by SIGINT or SIGTERM
// after it saved what it had (dale train: last.npz): exit status 3.
var errInterrupted = errors.New("interrupted")

func main() {
	// Go's heap grows to about twice what is live between collections; a
	// run whose estimate fits the memory available (run.CheckMemory)
	// could still be killed for memory without a soft limit. Unless
	// GOMEMLIMIT says otherwise, the garbage collector works harder near
	// 90 % of what this process may allocate.
	if os.Getenv("GOMEMLIMIT") == "" {
		if avail, _ := memlimit.Available(); avail > 0 && avail < memlimit.Unknown {
			debug.SetMemoryLimit(avail / 10 * 9)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], &env{stdout: os.Stdout, stderr: os.Stderr})
	stop()
	os.Exit(code)
}

// run executes one dale invocation and returns the process exit code.
func run(ctx context.Context, args []string, e *env) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		if len(args) > 1 && args[0] == "help" {
			if c, ok := commands[args[1]]; ok {
				return exitCode(e, c.name, c.run(ctx, []string{"--help"}, e))
			}
		}
		usage(e.stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(e.stderr, "dale: unknown command %q; allowed: %s (see dale help)\n", args[0], strings.Join(commandNames(), ", "))
		return 2
	}
	// The BLAS (pure Go or OpenBLAS, see DALE_BLAS) serves the fused
	// recurrence and gorgonia's own products alike (rnn points gorgonia
	// at it); a bad DALE_BLAS is an error before anything runs.
	if err := blas.Init(); err != nil {
		return exitCode(e, c.name, err)
	}
	return exitCode(e, c.name, c.run(ctx, args[1:], e))
}

// exitCode prints err on one line and maps it to the exit status.
func exitCode(e *env, name string, err error) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	msg := strings.Join(strings.Fields(err.Error()), " ")
	fmt.Fprintf(e.stderr, "dale %s: %s\n", name, msg)
	var rt runtimeError
	if errors.As(err, &rt) {
		return 1
	}
	if errors.Is(err, errInterrupted) {
		return 3
	}
	return 2
}

func commandNames() []string {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "dale: train excitatory/inhibitory recurrent networks on neuroscience tasks")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "usage: dale <command> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	for _, n := range commandNames() {
		fmt.Fprintf(w, "  %-8s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'dale <command> --help' for the flags of one command.")
}

// flagSet is a flag set that reports errors instead of exiting and prints
// its help (to the command's stdout) only when asked with --help.
type flagSet struct {
	*flag.FlagSet
	help func()
	// footer is printed after the flags in --help.
	footer string
}

// newFlagSet returns the flag set of one command.
func newFlagSet(name, synopsis string, e *env) *flagSet {
	fs := flag.NewFlagSet("dale "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {} // parse errors print one line, not the help
	f := &flagSet{FlagSet: fs}
	f.help = func() {
		fmt.Fprintf(e.stdout, "usage: dale %s\n\n", synopsis)
		fs.SetOutput(e.stdout)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
		if f.footer != "" {
			fmt.Fprintf(e.stdout, "\n%s\n", f.footer)
		}
	}
	return f
}

// parseFlags parses args into fs, printing help on --help, and refuses
// positional arguments.
func parseFlags(fs *flagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.help()
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q; this command takes only flags (see --help)", fs.Arg(0))
	}
	return nil
}
