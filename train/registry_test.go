package train

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
)

// scaledMSE is a test loss with a parameter: scale·MSE.
type scaledMSE struct {
	Scale float64 `json:"scale"`
}

func (scaledMSE) Type() string { return "test_scaled_mse" }
func (scaledMSE) Name() string { return "scaled_mse" }
func (l scaledMSE) Build(in *LossInput) (*G.Node, error) {
	m, err := MSE{}.Build(in)
	if err != nil {
		return nil, err
	}
	return G.Mul(m, in.Const(l.Scale))
}

// signSGD is a test optimiser with state: Δ = −lr·sign(g), and a step
// counter that scales it by 1/√t.
type signSGD struct {
	LR float64 `json:"lr"`
}

type signState struct{ t int64 }

func (signSGD) Type() string            { return "test_sign_sgd" }
func (o signSGD) LearningRate() float64 { return o.LR }
func (signSGD) New(names []string, sizes []int) (OptimizerState, error) {
	return &signState{}, nil
}
func (s *signState) Begin() { s.t++ }
func (s *signState) Update(i, lo int, g []float64, scale, lr float64, delta []float64) {
	for j, x := range g {
		delta[j] = -lr * math.Copysign(1, x) / math.Sqrt(float64(s.t))
	}
}
func (s *signState) Save() []StateArray { return []StateArray{{Name: "t", Int64: []int64{s.t}}} }
func (s *signState) Restore(a map[string]StateArray) error {
	t, err := readCount(a, "t")
	s.t = t
	return err
}

func init() {
	if err := RegisterLoss("test_scaled_mse", func(p json.RawMessage) (Loss, error) {
		l := scaledMSE{Scale: 1}
		if !isEmptyJSON(p) {
			if err := json.Unmarshal(p, &l); err != nil {
				return nil, fmt.Errorf(" = %s is not allowed: %v", p, err)
			}
		}
		if !(l.Scale > 0) {
			return nil, fmt.Errorf("scale = %v is not allowed: must be > 0", l.Scale)
		}
		return l, nil
	}); err != nil {
		panic(err)
	}
	if err := RegisterLoss("test_wrong_type", func(json.RawMessage) (Loss, error) { return MSE{}, nil }); err != nil {
		panic(err)
	}
	if err := RegisterOptimizer("test_sign_sgd", func(p json.RawMessage) (Optimizer, error) {
		o := signSGD{LR: 1e-3}
		if err := json.Unmarshal(p, &o); err != nil {
			return nil, fmt.Errorf(" = %s is not allowed: %v", p, err)
		}
		return o, nil
	}); err != nil {
		panic(err)
	}
}

func TestRegisterErrors(t *testing.T) {
	dec := func(json.RawMessage) (Loss, error) { return MSE{}, nil }
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"duplicate loss", RegisterLoss("mse", dec), `train: RegisterLoss: name = "mse" is not allowed: that loss type is already registered`},
		{"duplicate custom loss", RegisterLoss("test_scaled_mse", dec), `name = "test_scaled_mse" is not allowed: that loss type is already registered`},
		{"bad name", RegisterLoss("Output L2", dec), `name = "Output L2" is not allowed: must be lower-case letters, digits and _`},
		{"empty name", RegisterLoss("", dec), `name = "" is not allowed`},
		{"nil decode", RegisterLoss("test_nil", nil), `decode = nil is not allowed for loss type "test_nil"`},
		{"duplicate optimizer", RegisterOptimizer("adam", func(json.RawMessage) (Optimizer, error) { return Adam{}, nil }),
			`train: RegisterOptimizer: name = "adam" is not allowed: that optimizer type is already registered`},
		{"nil optimizer decode", RegisterOptimizer("test_nil", nil), `decode = nil is not allowed for optimizer type "test_nil"`},
	}
	for _, c := range cases {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, c.err, c.want)
		}
	}
	if _, ok := lossRegistry.lookup("test_nil"); ok {
		t.Error("a failed registration registered the name")
	}
}

// TestRegisteredTypesInJSON: registered losses and optimisers decode from
// options, are listed in unknown-type errors, and round-trip.
func TestRegisteredTypesInJSON(t *testing.T) {
	bad := []struct{ json, want string }{
		{`{"losses": [{"type": "nope"}]}`, `train: losses[0].type = "nope" is not allowed: must be one of mse, cross_entropy, fr, fr_dist, weight_l1, weight_l2, state_pred, `},
		{`{"losses": [{"type": "nope"}]}`, `test_scaled_mse`},
		{`{"losses": [{"type": "test_scaled_mse", "params": {"scale": -1}}]}`, `train: losses[0].params.scale = -1 is not allowed: must be > 0`},
		{`{"losses": [{"type": "test_scaled_mse", "params": 3}]}`, `train: losses[0].params = 3 is not allowed`},
		{`{"losses": [{"type": "test_wrong_type"}]}`, `train: losses[0].type = "test_wrong_type" is not allowed: its decoder returned train.MSE, whose Type is not "test_wrong_type"`},
		{`{"losses": {"type": "mse"}}`, `train: losses = {"type": "mse"} is not allowed: must be a list`},
		{`{"optimizer": {"type": "nope"}}`, `train: optimizer.type = "nope" is not allowed: must be one of adam, sgd, rmsprop, test_sign_sgd`},
		{`{"optimizer": {"type": "test_sign_sgd", "lr": "x"}}`, `train: optimizer = {"lr":"x"} is not allowed`},
		{`{"optimizer": {"type": "test_sign_sgd", "lr": -1}}`, `train: optimizer.lr = -1 is not allowed: must be finite and > 0`},
		{`{"optimizer": {"type": 3}}`, `train: optimizer.type = 3 is not allowed`},
		{`{"optimizer": [1]}`, `train: optimizer = [1] is not allowed: must be a JSON object`},
		{`{"optimizer": {"type": "sgd", "lr": "x"}}`, `train: optimizer.lr = "x" is not allowed: must be a number`},
	}
	for _, c := range bad {
		if _, err := DecodeOptions([]byte(c.json)); err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %v, want one line with %q", c.json, err, c.want)
		}
	}
	in := `{"optimizer":{"type":"test_sign_sgd","lr":0.5},"losses":[{"type":"test_scaled_mse","lambda":2,"params":{"scale":3}},{"type":"fr","params":{"metric":"l1"},"name":"rates"}]}`
	o, err := DecodeOptions([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := Options{Optimizer: signSGD{LR: 0.5}, Losses: []LossSpec{{Loss: scaledMSE{Scale: 3}, Lambda: 2}, {Loss: FiringRate{Metric: "l1"}, Name: "rates"}}}
	if !reflect.DeepEqual(o, want) {
		t.Errorf("decoded %+v, want %+v", o, want)
	}
	b, err := json.Marshal(o.WithDefaults())
	if err != nil {
		t.Fatal(err)
	}
	again, err := DecodeOptions(b)
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if !reflect.DeepEqual(again.WithDefaults().Optimizer, o.WithDefaults().Optimizer) || !reflect.DeepEqual(again.Losses, o.WithDefaults().Losses) {
		t.Errorf("round trip: %s decodes to %+v", b, again)
	}
	if !strings.Contains(string(b), `"optimizer":{"type":"test_sign_sgd","lr":0.5}`) ||
		!strings.Contains(string(b), `{"type":"test_scaled_mse","lambda":2,"params":{"scale":3}}`) {
		t.Errorf("marshalled options %s", b)
	}
}

// TestCustomTypesTrainAndResume: a registered loss and optimiser train,
// and a resumed run equals an uninterrupted one bit for bit.
func TestCustomTypesTrainAndResume(t *testing.T) {
	task := newSignTask(8)
	opts := func(steps int, dir string) Options {
		o := Options{Steps: steps, BatchSize: 4, EvalEvery: -1, Optimizer: signSGD{LR: 1e-2},
			Losses: []LossSpec{{Loss: scaledMSE{Scale: 2}}, {Loss: FiringRate{}, Lambda: 0.1}}}
		if dir != "" {
			o.Recorders = RunFiles(dir)
		}
		return o
	}
	var totals []float64
	full := smallModel(t, 8, 4, nil)
	o := opts(6, "")
	o.Recorders = []Recorder{RecorderFunc(func(r Record) error { totals = append(totals, r.Losses[0]); return nil })}
	res, err := Run(context.Background(), full, task, o)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(res.LossNames, ",") != "scaled_mse,fr_l2" {
		t.Errorf("loss names %v", res.LossNames)
	}
	if !(totals[5] < totals[0]) {
		t.Errorf("scaled_mse %v → %v: want a fall", totals[0], totals[5])
	}
	dir := t.TempDir()
	if _, err := Run(context.Background(), smallModel(t, 8, 4, nil), task, opts(3, dir)); err != nil {
		t.Fatal(err)
	}
	m, _, err := Resume(context.Background(), dir, task, opts(6, dir))
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range m.Params() {
		if !reflect.DeepEqual(paramData(p), paramData(full.Params()[i])) {
			t.Errorf("%s differs after resume", p.Name)
		}
	}
	if _, _, err := Resume(context.Background(), dir, task, Options{Steps: 7, BatchSize: 4, Quiet: true, Losses: opts(6, dir).Losses}); err == nil ||
		!strings.Contains(err.Error(), `optimizer.type = "adam" is not allowed: the checkpoint was trained with "test_sign_sgd"`) {
		t.Errorf("resume with another optimiser: %v", err)
	}
}
