package train

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
)

// FuzzDecodeOptions: the JSON options never panic the decoder, and options
// that decode write themselves back to JSON that decodes to the same
// resolved options.
func FuzzDecodeOptions(f *testing.F) {
	for _, s := range []string{`{}`, `{"steps": 5, "optimizer": {"type": "sgd", "momentum": 0.5}}`,
		`{"losses": [{"type": "fr", "lambda": 0.1, "params": {"metric": "l1"}}]}`, `{"schedule": {"type": "step", "gamma": 0.5}}`,
		`{"optimizer": {"beta1": 0}}`, `{"steps": 0}`, `{"steps": 1, "steps": 2}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		o, err := DecodeOptions(data)
		if err != nil {
			return
		}
		d := o.WithDefaults()
		b, err := json.Marshal(d)
		if err != nil {
			t.Fatalf("decoded options do not marshal: %v", err)
		}
		o2, err := DecodeOptions(b)
		if err != nil {
			t.Fatalf("written options do not decode: %v\n%s", err, b)
		}
		b2, _ := json.Marshal(o2.WithDefaults())
		if string(b) != string(b2) {
			t.Fatalf("options change through JSON:\n%s\n%s", b, b2)
		}
	})
}

// FuzzResumeState: whatever a checkpoint's trainer state holds, OpenResume
// refuses it or returns a trainer that runs; it never panics.
func FuzzResumeState(f *testing.F) {
	f.Add([]byte(`{"version":1,"step":2,"stage":0,"seed":1,"eval_seed":2,"batch_size":4,"optimizer":{"type":"adam","lr":0.001},"loss_names":["mse"],"wall_ns":5}`))
	f.Add([]byte(`{"version":1,"step":-5,"batch_size":4,"loss_names":["mse"]}`))
	f.Add([]byte(`{"version":1,"step":1e12,"batch_size":4,"loss_names":["mse"]}`))
	f.Add([]byte(`{"version":1,"step":3,"stage":7,"batch_size":4,"loss_names":["mse"]}`))
	f.Add([]byte(`{"version":1,"step":3,"batch_size":4,"loss_names":["mse"],"best":{"step":2,"mse":0.1,"trials":4}}`))
	f.Add([]byte(`not json`))
	dir, opts := runDir(f)
	f.Fuzz(func(t *testing.T, state []byte) {
		d := t.TempDir()
		copyFile(t, filepath.Join(dir, LastFile), filepath.Join(d, LastFile))
		editStateBytes(t, d, state)
		o := opts
		o.Steps = 8
		tr, err := OpenResume(d, newSignTask(8), o)
		if err != nil {
			return
		}
		if tr.Step() < 0 || tr.Step() > o.Steps {
			t.Fatalf("resumed at step %d of %d", tr.Step(), o.Steps)
		}
		_, _ = tr.Run(context.Background()) // an error is fine; a panic is not
	})
}
