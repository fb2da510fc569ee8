package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"

	"github.com/dale-rnn/dale/tasks"
)

func init() {
	register(&command{
		name:    "tasks",
		summary: "list the tasks, or show one task's default parameters, periods and trial lengths",
		run:     runTasks,
	})
}

func runTasks(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("tasks", "tasks [--show NAME] [--json]", e)
	show := fs.String("show", "", "print one task's full default parameters (JSON), its channels, the periods of a sample trial and its trial lengths")
	asJSON := fs.Bool("json", false, "print the list as JSON: name, description, channels and default parameters of each task")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *show != "" {
		return showTask(e.stdout, *show)
	}
	list := tasks.List()
	if *asJSON {
		type item struct {
			Name        string          `json:"name"`
			Description string          `json:"description"`
			Inputs      []tasks.Channel `json:"inputs"`
			Outputs     []tasks.Channel `json:"outputs"`
			Params      json.RawMessage `json:"params"`
		}
		items := make([]item, len(list))
		for i, t := range list {
			items[i] = item{t.Name, t.Description, t.Inputs, t.Outputs, t.Defaults.Params}
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(items)
	}
	for _, t := range list {
		fmt.Fprintf(e.stdout, "%-12s  in %-40s  out %-31s  %s\n", t.Name, channels(t.Inputs), channels(t.Outputs), t.Description)
	}
	return nil
}

// channels writes "3 (fixation, left, right)", a channel of several units
// as ring×32.
func channels(cs []tasks.Channel) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.Name
		if c.Size != 1 {
			parts[i] = fmt.Sprintf("%s×%d", c.Name, c.Size)
		}
	}
	return fmt.Sprintf("%d (%s)", tasks.Width(cs), strings.Join(parts, ", "))
}

func showTask(w io.Writer, name string) error {
	t, err := tasks.New(name, nil)
	if err != nil {
		return err
	}
	sel, err := json.MarshalIndent(t.Spec(), "  ", "  ")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%s: %s\n", t.Name(), t.Description())
	fmt.Fprintf(w, "inputs:  %s\noutputs: %s\ndt: %g ms\n", channels(t.Inputs()), channels(t.Outputs()), t.DT())
	fmt.Fprintf(w, "default task selection (JSON, as in a run config's \"task\"):\n  %s\n", sel)
	b, err := t.Sample(rand.New(rand.NewPCG(1, 1)), 1)
	if err != nil {
		return err
	}
	tr := b.Trials[0]
	fmt.Fprintln(w, "periods of a sample trial (steps):")
	for _, p := range tr.Periods {
		fmt.Fprintf(w, "  %-10s [%4d, %4d)  %6g ms\n", p.Name, p.Start, p.End, float64(p.End-p.Start)*t.DT())
	}
	st, err := tasks.TrialLengths(t, rand.New(rand.NewPCG(1, 2)), 1000)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "trial length over %d sampled trials (steps): min %d, mean %.1f, median %d, p95 %d, max %d; batches are padded to %d\n",
		st.Trials, st.Min, st.Mean, st.Median, st.P95, st.Max, st.Bound)
	return nil
}
