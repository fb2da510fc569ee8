package mask_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/dale-rnn/dale/mask"
)

// fuzzMaxDim bounds the masks FuzzFromJSON builds (a 256×256 hidden mask),
// so that the fuzzer spends its time on parsing and validation rather than
// on drawing MaxHiddenSize² synapses.
const fuzzMaxDim = 256

// configDims returns the dims a parsed config will build (the zero value
// means the default [1, 100, 1]).
func configDims(c mask.Config) [3]int {
	var d [3]int
	switch x := c.(type) {
	case mask.MultiAreaConfig:
		d = x.Dims
	case mask.MultiAreaEIConfig:
		d = x.Dims
	case mask.RandomInputConfig:
		d = x.Dims
	case mask.MultiIOConfig:
		d = x.Dims
	}
	if d == [3]int{} {
		d = [3]int{1, 100, 1}
	}
	return d
}

// FuzzFromJSON (the seeds below and testdata/fuzz/FuzzFromJSON run under
// plain go test): any bytes never make FromJSON panic; it returns a one-line
// error or a mask whose matrices have the declared dims and hold only −1,
// 0 and +1 (the sparsity masks only 0 and 1), the same mask for the same
// input. Inputs are parsed first and skipped when their dims exceed
// fuzzMaxDim, before anything is built.
func FuzzFromJSON(f *testing.F) {
	for _, s := range []string{
		`{"type": "multi_area_ei"}`,
		`{"type": "multi_area_ei", "dims": [2, 30, 1], "n_areas": [10, 20], "area_connectivities": [[1, 0.5], [0.2, 1]], "exc_pct": 0.5}`,
		`{"type": "multi_area", "n_areas": 5, "area_connectivities": [0.1, 0.2, 0.3], "input_areas": [4], "readout_areas": [0, 1]}`,
		`{"type": "random_input", "dims": [1, 20, 1], "input_spar": 0.5, "readout_spar": 0.5, "overlap": false}`,
		`{"type": "multi_io", "dims": [2, 3, 1], "input_dims": [1, 1], "input_table": [[1, 0, 1], [0, 1, 0]]}`,
		`{"type": "multi_area_ei", "n_areas": [1e300], "dims": [1e20, -0, 1]}`,
		`{"type": "multi_area_ei", "n_areas": [[2]], "area_connectivities": [[[1]]], "seed": 99999999999999999999999}`,
		`{"type": "multi_area_ei", "dims": [1, 1, 1], "n_areas": 1, "exc_pct": 0.999}`,
		`{"type":"multi_io","input_table":[[1]],"readout_table":null,"dims":[1,1,1]}`,
		`{"type": "multi_area_ei", "inter_area_connections": [false, false, false, false], "inh_readout": false}`,
		"{\"type\": \"multi_area\", \"n_areas\": 9223372036854775807}",
		`{"type": "multi_area", "input_areas": [9223372036854775807]}`,
		`{`, `}`, `null`, `"x"`, `{"type": null}`, `{"type": "multi_area", "dims": null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := mask.ParseJSON(data)
		if err == nil {
			for _, d := range configDims(c) {
				if d > fuzzMaxDim {
					return
				}
			}
		}
		m, err := mask.FromJSON(data)
		if err != nil {
			if strings.Contains(err.Error(), "\n") || !strings.HasPrefix(err.Error(), "mask: ") {
				t.Fatalf("FromJSON error %q: want one line starting with \"mask: \"", err)
			}
			return
		}
		if c == nil {
			t.Fatal("FromJSON built a mask from a config ParseJSON refuses")
		}
		d := m.Dims()
		if want := configDims(c); d != want {
			t.Fatalf("mask dims %v, config dims %v", d, want)
		}
		in, hid, out := m.Masks()
		sin, shid, sout := m.SparsityMasks()
		for _, x := range []struct {
			name       string
			m, s       *mask.Matrix
			rows, cols int
		}{
			{"input", in, sin, d[0], d[1]},
			{"hidden", hid, shid, d[1], d[1]},
			{"readout", out, sout, d[1], d[2]},
		} {
			if x.m.Rows != x.rows || x.m.Cols != x.cols || len(x.m.Data) != x.rows*x.cols {
				t.Fatalf("%s mask is %d×%d with %d values, want %d×%d", x.name, x.m.Rows, x.m.Cols, len(x.m.Data), x.rows, x.cols)
			}
			if x.s.Rows != x.rows || x.s.Cols != x.cols || len(x.s.Data) != len(x.m.Data) {
				t.Fatalf("%s sparsity mask is %d×%d", x.name, x.s.Rows, x.s.Cols)
			}
			for j, v := range x.m.Data {
				if v != -1 && v != 0 && v != 1 {
					t.Fatalf("%s mask [%d, %d] = %v", x.name, j/x.cols, j%x.cols, v)
				}
				if s := x.s.Data[j]; s != v*v {
					t.Fatalf("%s sparsity mask [%d] = %v for mask value %v", x.name, j, s, v)
				}
			}
		}
		if _, ok := m.(mask.EI); !ok {
			for _, v := range hid.Data {
				if v < 0 {
					t.Fatalf("a %s mask (not E/I) holds −1", m.Type())
				}
			}
		}
		again, err := mask.FromJSON(data)
		if err != nil {
			t.Fatalf("the same input failed the second time: %v", err)
		}
		_, hid2, _ := again.Masks()
		if !equalF32(hid.Data, hid2.Data) || !bytes.Equal([]byte(m.Specs().String()), []byte(again.Specs().String())) {
			t.Fatal("the same input built a different mask")
		}
		if a := mask.AreaOf(m); len(a) != d[1] {
			t.Fatalf("AreaOf has %d entries for %d neurons", len(a), d[1])
		}
	})
}

func equalF32(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
