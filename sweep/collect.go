package sweep

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/dale-rnn/dale/config"
	"github.com/dale-rnn/dale/internal/figure"
	"github.com/dale-rnn/dale/npz"
	"github.com/dale-rnn/dale/run"
)

// Results is what Collect gathers: one row per member.
type Results struct {
	// Axes are the axis paths, in spec order; Measures the union of the
	// members' measure names, sorted.
	Axes     []string
	Measures []string
	Rows     []Row
}

// Row is one member's line of results.csv.
type Row struct {
	Index int
	ID    string
	// Values are the axis values as compact JSON, in Axes order.
	Values []string
	State  string
	// Attempts, Step, TrainStatus and Wall come from member.json.
	Attempts    int
	Step        int
	TrainStatus string
	Wall        float64
	// TargetMet is "true"/"false" for a done member, "" otherwise.
	TargetMet string
	// Measures are from the member's metrics.json (done members only).
	Measures map[string]float64
	Error    string
}

// Collect reads every member's state and metrics. A member that failed or
// has not finished is a row with its state (and error) and no measures;
// it does not stop the others. queue is as for Status.
func (sw *Sweep) Collect(queue map[int]string) (*Results, error) {
	st, err := sw.Status(queue)
	if err != nil {
		return nil, err
	}
	res := &Results{}
	for _, a := range sw.Spec.Axes {
		res.Axes = append(res.Axes, a.Path)
	}
	names := map[string]bool{}
	for _, ms := range st {
		row := Row{Index: ms.Index, ID: ms.ID, State: ms.State}
		for _, a := range res.Axes {
			row.Values = append(row.Values, compact(ms.Values[a]))
		}
		if m := ms.Member; m != nil {
			row.Attempts, row.Step, row.TrainStatus, row.Wall, row.Error = m.Attempt, m.Step, m.TrainStatus, m.Wall, m.Error
		}
		if ms.State == Done {
			mt, err := readMetrics(filepath.Join(sw.MemberDir(ms.Index), run.MetricsFile))
			if err != nil {
				row.State = Failed
				row.Error = err.Error()
			} else {
				row.Measures = mt.Measures
				row.TargetMet = strconv.FormatBool(mt.Target.Met)
				for k := range mt.Measures {
					names[k] = true
				}
			}
		}
		res.Rows = append(res.Rows, row)
	}
	for k := range names {
		res.Measures = append(res.Measures, k)
	}
	slices.Sort(res.Measures)
	return res, nil
}

func readMetrics(path string) (*run.Metrics, error) {
	data, err := config.ReadLimited(path, run.MaxConfigBytes)
	if err != nil {
		return nil, err
	}
	var mt run.Metrics
	if err := json.Unmarshal(data, &mt); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return &mt, nil
}

// Header is results.csv's first line.
func (r *Results) Header() []string {
	h := []string{"index", "id"}
	h = append(h, r.Axes...)
	h = append(h, "state", "attempts", "steps", "train_status", "target_met")
	h = append(h, r.Measures...)
	return append(h, "wall_s", "error")
}

// WriteCSV writes results.csv: one row per member, every float in the
// shortest form that reads back to the same float64, so two collections
// of equal runs are equal files but for wall_s.
func (r *Results) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(r.Header()); err != nil {
		return err
	}
	for _, row := range r.Rows {
		rec := []string{strconv.Itoa(row.Index), row.ID}
		rec = append(rec, row.Values...)
		rec = append(rec, row.State, strconv.Itoa(row.Attempts), strconv.Itoa(row.Step), row.TrainStatus, row.TargetMet)
		for _, m := range r.Measures {
			v, ok := row.Measures[m]
			if ok {
				rec = append(rec, strconv.FormatFloat(v, 'g', -1, 64))
			} else {
				rec = append(rec, "")
			}
		}
		rec = append(rec, strconv.FormatFloat(row.Wall, 'f', 1, 64), strings.ReplaceAll(row.Error, "\n", " "))
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// Write writes OUT/results.csv and the figures (WriteFigures), returning
// the paths written; a figure that cannot be drawn is an error after the
// CSV is written.
func (r *Results) Write(out string) ([]string, error) {
	var b bytes.Buffer
	if err := r.WriteCSV(&b); err != nil {
		return nil, err
	}
	path := filepath.Join(out, ResultsFile)
	if err := npz.WriteFileAtomic(path, func(w io.Writer) error { _, err := w.Write(b.Bytes()); return err }); err != nil {
		return nil, err
	}
	figs, err := r.WriteFigures(filepath.Join(out, FiguresDir))
	return append([]string{path}, figs...), err
}

// WriteFigures writes, into dir, one figure per axis other than seed
// (<axis>.png; "all.png" when seed is the only axis): every measure
// against the axis's values, each value's members (every other axis, the
// seeds among them) as points with their mean ± sd. A group's label
// counts its members that are not done ("2 not done").
func (r *Results) WriteFigures(dir string) ([]string, error) {
	if len(r.Measures) == 0 {
		return nil, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var axes []int
	for i, a := range r.Axes {
		if a != "seed" {
			axes = append(axes, i)
		}
	}
	if len(axes) == 0 {
		axes = []int{-1}
	}
	var paths []string
	for _, ai := range axes {
		name, xlabel := "all", "all members"
		var labels []string
		group := func(row Row) int { return 0 }
		if ai >= 0 {
			name, xlabel = r.Axes[ai], r.Axes[ai]
			for _, row := range r.Rows {
				if !slices.Contains(labels, row.Values[ai]) {
					labels = append(labels, row.Values[ai])
				}
			}
			group = func(row Row) int { return slices.Index(labels, row.Values[ai]) }
		} else {
			labels = []string{"all"}
		}
		notDone := make([]int, len(labels))
		for _, row := range r.Rows {
			if row.State != Done {
				notDone[group(row)]++
			}
		}
		shown := make([]string, len(labels))
		for g, l := range labels {
			shown[g] = shortLabel(l)
			if notDone[g] > 0 {
				shown[g] += fmt.Sprintf(" (%d not done)", notDone[g])
			}
		}
		gp := figure.GroupsPlot{Title: fmt.Sprintf("%s: mean ± sd over members", xlabel), XLabel: xlabel, Labels: shown}
		for _, m := range r.Measures {
			pn := figure.GroupsPanel{Title: m, Values: make([][]float64, len(labels))}
			n := 0
			for _, row := range r.Rows {
				if v, ok := row.Measures[m]; ok && row.State == Done {
					pn.Values[group(row)] = append(pn.Values[group(row)], v)
					n++
				}
			}
			if n > 0 {
				gp.Panels = append(gp.Panels, pn)
			}
		}
		path := filepath.Join(dir, fileName(name)+".png")
		if err := figure.Groups(path, gp); err != nil {
			return paths, fmt.Errorf("figure %s: %v", path, err)
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// shortLabel abbreviates a JSON value for an axis label: lists of
// booleans as T/F letters ("[T,T,F,F]").
func shortLabel(s string) string {
	s = strings.ReplaceAll(s, "true", "T")
	s = strings.ReplaceAll(s, "false", "F")
	if len(s) > 40 {
		s = s[:37] + "..."
	}
	return s
}

// fileName makes an axis path a file name.
func fileName(s string) string {
	return regexp.MustCompile(`[^A-Za-z0-9_.-]`).ReplaceAllString(s, "_")
}
