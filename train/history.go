package train

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/dale-rnn/dale/config"
	"github.com/dale-rnn/dale/npz"
)

// history writes history.csv: one row per step with the columns step,
// stage, every loss term (unweighted), total, grad_norm, lr, the
// measure's column, eval_mse and wall_s; the measure's column and eval_mse
// are empty except at evaluation steps. The measure's column is
// "accuracy" for a run scored by accuracy (or not scored), "eval_<name>"
// for another measure ("eval_nmse", "eval_r"), and absent for measure
// "mse", whose values are those of eval_mse. Floats are written in Go's
// shortest exact form.
type history struct {
	f       *os.File
	w       *bufio.Writer
	header  []string
	measure bool     // the row has a measure column (before eval_mse)
	pending []string // the last row, held so a final evaluation can join it
}

// measureColumn is the history column of measure m ("" for none).
func measureColumn(m Measure) string {
	switch m.Name {
	case "", AccuracyMeasure.Name:
		return "accuracy"
	case "mse":
		return ""
	}
	return "eval_" + m.Name
}

// The columns of history.csv around the loss terms': step, stage, the
// terms, total, grad_norm, lr, the measure's (accuracy or eval_NAME), then
// eval_mse and wall_s.
var (
	historyLead  = []string{"step", "stage"}
	historyMid   = []string{"total", "grad_norm", "lr"}
	historyTrail = []string{"eval_mse", "wall_s"}
)

func historyHeader(names []string, m Measure) []string {
	h := append([]string(nil), historyLead...)
	h = append(h, names...)
	h = append(h, historyMid...)
	if c := measureColumn(m); c != "" {
		h = append(h, c)
	}
	return append(h, historyTrail...)
}

// IsLossTermColumn reports whether a history.csv column holds a loss
// term's values: it is none of the fixed columns (step, stage, total,
// grad_norm, lr, eval_mse, wall_s) and no measure's (accuracy, eval_NAME).
// A loss term is never named like those (LossSpec names are checked).
func IsLossTermColumn(name string) bool {
	return !reservedColumn(name)
}

func reservedColumn(name string) bool {
	if name == "accuracy" || strings.HasPrefix(name, "eval_") {
		return true
	}
	for _, set := range [][]string{historyLead, historyMid, historyTrail} {
		if slices.Contains(set, name) {
			return true
		}
	}
	return false
}

// maxHistoryBytes bounds the history.csv a resume reads (a row is about
// 100–300 bytes, so this is millions of steps).
const maxHistoryBytes = 1 << 30

// readHistory returns the rows of a resumed run's history.csv (without
// the header) up to step, checking every row. A last line without its
// newline is a row torn by a crash while it was written: it is dropped
// (only that one). A missing file has no rows.
func readHistoryRows(path string, header []string, step int) ([][]string, error) {
	fi, err := os.Stat(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("train: history: %w", err)
	}
	if fi.Size() > maxHistoryBytes {
		return nil, fmt.Errorf("train: history %s is %d bytes, more than the %d a resume reads", path, fi.Size(), maxHistoryBytes)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("train: history: %w", err)
	}
	if len(data) == 0 {
		return nil, nil
	}
	if i := bytes.LastIndexByte(data, '\n'); i != len(data)-1 {
		data = data[:i+1] // a torn last row
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = len(header)
	cr.ReuseRecord = false
	var keep [][]string
	for line := 1; ; line++ {
		r, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("train: history %s: %v: it is not a history this run can continue (%d columns: %s)", path, err, len(header), strings.Join(header, ","))
		}
		if line == 1 {
			if strings.Join(r, ",") != strings.Join(header, ",") {
				return nil, fmt.Errorf("train: history %s has columns %v, this run writes %v", path, r, header)
			}
			continue
		}
		s, err := strconv.Atoi(r[0])
		if err != nil || s < 1 {
			return nil, config.Errorf("train: history %s: line %d: step = %q is not allowed: must be an integer >= 1", path, line, r[0])
		}
		if s <= step {
			keep = append(keep, r)
		}
	}
	return keep, nil
}

// openHistory writes the file anew with the header and the rows kept
// (none for a fresh run; on resume, readHistoryRows' rows up to the
// checkpoint's step) and appends after them.
func openHistory(path string, header []string, measure bool, keep [][]string) (*history, error) {
	h := &history{header: header, measure: measure}
	err := npz.WriteFileAtomic(path, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		if err := cw.Write(h.header); err != nil {
			return err
		}
		if err := cw.WriteAll(keep); err != nil {
			return err
		}
		cw.Flush()
		return cw.Error()
	})
	if err != nil {
		return nil, fmt.Errorf("train: history: %w", err)
	}
	if h.f, err = os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0); err != nil {
		return nil, fmt.Errorf("train: history: %w", err)
	}
	h.w = bufio.NewWriterSize(h.f, 1<<16)
	return h, nil
}

func fmtFloat(v float64) string {
	if math.IsNaN(v) {
		return ""
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

func (h *history) add(r Record) error {
	if err := h.writePending(); err != nil {
		return err
	}
	row := []string{strconv.Itoa(r.Step), strconv.Itoa(r.Stage)}
	for _, l := range r.Losses {
		row = append(row, fmtFloat(l))
	}
	row = append(row, fmtFloat(r.Total), fmtFloat(r.GradNorm), fmtFloat(r.LR))
	if h.measure {
		row = append(row, "")
	}
	row = append(row, "", strconv.FormatFloat(r.Wall.Seconds(), 'f', 3, 64))
	h.pending = row
	if r.Eval != nil {
		h.eval(r.Eval)
	}
	return nil
}

// eval adds an evaluation to the last row.
func (h *history) eval(e *Eval) {
	if h.pending == nil {
		return
	}
	n := len(h.pending)
	h.pending[n-2] = fmtFloat(e.MSE)
	if h.measure {
		h.pending[n-3] = fmtFloat(e.Value)
	}
}

func (h *history) writePending() error {
	if h.pending == nil {
		return nil
	}
	_, err := h.w.WriteString(strings.Join(h.pending, ",") + "\n")
	h.pending = nil
	if err != nil {
		return fmt.Errorf("train: history: %w", err)
	}
	return nil
}

func (h *history) flush() error {
	if err := h.writePending(); err != nil {
		return err
	}
	if err := h.w.Flush(); err != nil {
		return fmt.Errorf("train: history: %w", err)
	}
	return nil
}

func (h *history) close() error {
	if h.f == nil {
		return nil
	}
	err := h.flush()
	if cerr := h.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("train: history: %w", cerr)
	}
	h.f = nil
	return err
}

// Summary is the content of summary.json.
type Summary struct {
	Status         Status             `json:"status"`
	Steps          int                `json:"steps"`
	Stage          int                `json:"stage"`
	Losses         map[string]float64 `json:"losses"` // last step, unweighted
	Loss           float64            `json:"loss"`   // last step's total
	Eval           *Eval              `json:"eval"`
	Best           *Eval              `json:"best"`
	Measure        *Measure           `json:"measure,omitempty"` // nil without a score
	WallSeconds    float64            `json:"wall_s"`
	StepsPerSecond float64            `json:"steps_per_second"`
	LoopOverhead   float64            `json:"loop_overhead"` // (step − graph run) / step time
	Error          string             `json:"error,omitempty"`
}

func summary(r *Result) Summary {
	s := Summary{Status: r.Status, Steps: r.Step, Stage: r.Stage, Loss: r.Loss, Eval: r.Eval, Best: r.Best, Measure: r.Measure,
		WallSeconds: r.Wall.Seconds(), StepsPerSecond: r.StepsPerSecond, LoopOverhead: r.Timing.Overhead(),
		Error: r.Error, Losses: map[string]float64{}}
	for i, n := range r.LossNames {
		if i < len(r.Losses) {
			s.Losses[n] = r.Losses[i]
		}
	}
	return s
}
