package sweep

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// LocalOptions run members on this machine, each in a worker process of
// its own (a process because a member's numbers depend on GOMAXPROCS,
// which is one per process, and so that one member's crash or memory
// does not take the others down).
type LocalOptions struct {
	// Command is the worker: a dale binary and any leading arguments;
	// RunLocal appends "sweep member OUT --index i". Empty: this process's
	// own executable (right when the caller is the dale command).
	Command []string
	// Workers is how many members run at once; 0 = the machine's cores ÷
	// the sweep's threads (at least 1).
	Workers int
	// Output, when not nil, gets a progress bar over members on a
	// terminal and one line per finished member elsewhere.
	Output io.Writer
}

// Summary counts how the members of one RunLocal ended.
type Summary struct {
	Done, Failed, Interrupted int
	// Errors are the failed members' errors, by member index.
	Errors map[int]string
}

// RunLocal runs the members indices (nil: every member not finished)
// in a pool of worker processes and waits for them. It holds OUT's lock
// throughout. A member that fails does not stop the others; a cancelled
// ctx stops launching, asks the running workers to stop (they save a
// checkpoint: resume continues them) and waits for them.
func (sw *Sweep) RunLocal(ctx context.Context, indices []int, o LocalOptions) (*Summary, error) {
	lock, err := sw.Lock()
	if err != nil {
		return nil, err
	}
	defer lock.Unlock()
	if indices == nil {
		if indices, err = sw.todo(ctx, false); err != nil {
			return nil, err
		}
	}
	if indices, err = sw.checkIndices(indices); err != nil {
		return nil, err
	}
	command, err := workerCommand(o.Command)
	if err != nil {
		return nil, err
	}
	workers := o.Workers
	if workers <= 0 {
		workers = max(1, runtime.NumCPU()/sw.Threads())
	}
	workers = min(workers, max(len(indices), 1))

	sum := &Summary{Errors: map[int]string{}}
	prog := newPoolProgress(o.Output, len(indices))
	jobs := make(chan int)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for idx := range jobs {
				if ctx.Err() != nil {
					continue // not started: resume runs it
				}
				st, err := sw.runWorker(ctx, command, idx)
				mu.Lock()
				switch {
				case st != nil && st.State == Done:
					sum.Done++
				case st != nil && st.State == Interrupted, ctx.Err() != nil:
					sum.Interrupted++
				default:
					sum.Failed++
					if err != nil {
						sum.Errors[idx] = err.Error()
					} else if st != nil {
						sum.Errors[idx] = st.Error
					}
				}
				prog.done(sw.Spec.id(idx), st, err)
				mu.Unlock()
			}
		}()
	}
launch:
	for _, idx := range indices {
		if ctx.Err() != nil {
			break
		}
		select {
		case jobs <- idx:
		case <-ctx.Done():
			break launch
		}
	}
	close(jobs)
	wg.Wait()
	prog.finish()
	return sum, nil
}

// runWorker runs one member's worker process and reads the state it left.
func (sw *Sweep) runWorker(ctx context.Context, command []string, idx int) (*MemberState, error) {
	args := append(append([]string(nil), command[1:]...), "sweep", "member", sw.Dir, "--index", strconv.Itoa(idx))
	cmd := exec.Command(command[0], args...)
	cmd.Env = append(os.Environ(), "GOMAXPROCS="+strconv.Itoa(sw.Threads()))
	var errBuf tailBuffer
	cmd.Stdout = io.Discard
	cmd.Stderr = &errBuf
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("member %s: start %s: %v", sw.Spec.id(idx), command[0], err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		// The worker saves its checkpoint on an interrupt; a worker that
		// has not stopped a minute later is killed.
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case err = <-done:
		case <-time.After(time.Minute):
			_ = cmd.Process.Kill()
			err = <-done
		}
	}
	st, rerr := ReadMemberState(sw.MemberDir(idx))
	if rerr != nil {
		return nil, rerr
	}
	if st != nil && st.State == Interrupted {
		return st, nil
	}
	if err != nil {
		msg := bytes.TrimSpace(errBuf.Bytes())
		if st != nil && st.State != Running && st.Error != "" {
			return st, errors.New(st.Error)
		}
		if len(msg) > 0 {
			return st, fmt.Errorf("member %s: worker %v: %s", sw.Spec.id(idx), err, lastLine(msg))
		}
		return st, fmt.Errorf("member %s: worker %v", sw.Spec.id(idx), err)
	}
	return st, nil
}

// tailBuffer keeps the last 64 KiB written to it.
type tailBuffer struct {
	mu sync.Mutex
	b  []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if over := len(t.b) - 64<<10; over > 0 {
		t.b = t.b[over:]
	}
	return len(p), nil
}

func (t *tailBuffer) Bytes() []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]byte(nil), t.b...)
}

func lastLine(b []byte) string {
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		return string(b[i+1:])
	}
	return string(b)
}

// poolProgress shows members finishing: a bar on a terminal, a line per
// member elsewhere, nothing without a writer.
type poolProgress struct {
	w     io.Writer
	bar   *progressbar.ProgressBar
	total int
	n     int
}

func newPoolProgress(w io.Writer, total int) *poolProgress {
	p := &poolProgress{w: w, total: total}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription("sweep"),
			progressbar.OptionShowCount(),
			progressbar.OptionSetItsString("members"),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetWidth(24),
		)
	}
	return p
}

func (p *poolProgress) done(id string, st *MemberState, err error) {
	p.n++
	if p.bar != nil {
		_ = p.bar.Add(1)
		if err != nil && !errors.Is(err, context.Canceled) {
			fmt.Fprintf(p.w, "\nmember %s: %v\n", id, err)
		}
		return
	}
	if p.w == nil {
		return
	}
	state, step, wall := "failed", 0, 0.0
	if st != nil {
		state, step, wall = st.State, st.Step, st.Wall
	}
	fmt.Fprintf(p.w, "member %s %s at step %d, %.1f s [%d/%d]%s\n", id, state, step, wall, p.n, p.total, errText(err))
}

func (p *poolProgress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
		fmt.Fprintln(p.w)
	}
}

func errText(err error) string {
	if err == nil || errors.Is(err, context.Canceled) {
		return ""
	}
	return ": " + err.Error()
}
