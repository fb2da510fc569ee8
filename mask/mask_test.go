package mask_test

import (
	"math"
	"slices"
	"testing"

	"github.com/dale-rnn/dale/mask"
)

// within5SD reports whether the observed proportion k/n of a
// Binomial(n, p) count lies within 5 standard deviations, sqrt(p(1−p)/n),
// of p. For a correct sampler a block fails with probability about 6e−7
// (two-sided normal tail beyond 5 sd), so the check is safe for any seed,
// yet a wrong probability (say 0.1 instead of 0.05 on a 10 000-pair block,
// sd 0.0022) misses by more than 20 sd. p = 0 and p = 1 must be exact.
func within5SD(k, n int, p float64) (ok bool, tol float64) {
	got := float64(k) / float64(n)
	if p == 0 || p == 1 {
		return got == p, 0
	}
	tol = 5 * math.Sqrt(p*(1-p)/float64(n))
	return math.Abs(got-p) <= tol, tol
}

// blockCount counts nonzero entries of m in rows [r0, r1) × cols [c0, c1).
func blockCount(m *mask.Matrix, r0, r1, c0, c1 int) int {
	k := 0
	for i := r0; i < r1; i++ {
		for j := c0; j < c1; j++ {
			if m.At(i, j) != 0 {
				k++
			}
		}
	}
	return k
}

func starts(sizes []int) []int {
	s := []int{0}
	for _, x := range sizes {
		s = append(s, s[len(s)-1]+x)
	}
	return s
}

func TestBlockDensities(t *testing.T) {
	cases := []struct {
		name  string
		cfg   mask.Config
		sizes []int
		conn  [][]float64 // expected full matrix, row = receiving area
	}{
		{
			name: "matrix, unequal areas",
			cfg: mask.MultiAreaConfig{Dims: [3]int{1, 600, 1}, AreaSizes: []int{200, 250, 150}, Seed: 3,
				AreaConnectivityMatrix: [][]float64{{0.9, 0.05, 0.3}, {0.2, 1, 0}, {0.5, 0.01, 0.6}}},
			sizes: []int{200, 250, 150},
			conn:  [][]float64{{0.9, 0.05, 0.3}, {0.2, 1, 0}, {0.5, 0.01, 0.6}},
		},
		{
			name:  "2-list: feedforward below the diagonal, feedback above, within 1",
			cfg:   mask.MultiAreaConfig{Dims: [3]int{1, 450, 1}, NAreas: 3, AreaConnectivities: []float64{0.2, 0.05}, Seed: 4},
			sizes: []int{150, 150, 150},
			conn:  [][]float64{{1, 0.05, 0.05}, {0.2, 1, 0.05}, {0.2, 0.2, 1}},
		},
		{
			name:  "3-list sets the diagonal, E/I mask",
			cfg:   mask.MultiAreaEIConfig{MultiAreaConfig: mask.MultiAreaConfig{Dims: [3]int{1, 400, 1}, NAreas: 2, AreaConnectivities: []float64{0.3, 0.1, 0.4}, Seed: 5}},
			sizes: []int{200, 200},
			conn:  [][]float64{{0.4, 0.1}, {0.3, 0.4}},
		},
		{
			name:  "defaults: 2 areas, [0.1, 0.1]",
			cfg:   mask.MultiAreaConfig{Dims: [3]int{1, 600, 1}, Seed: 6},
			sizes: []int{300, 300},
			conn:  [][]float64{{1, 0.1}, {0.1, 1}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := tc.cfg.Build()
			if err != nil {
				t.Fatal(err)
			}
			spec, _ := m.Specs().Get("area_connectivities")
			if !equalMatrix(spec.([][]float64), tc.conn) {
				t.Fatalf("area_connectivities spec = %v, want %v", spec, tc.conn)
			}
			_, h, _ := m.SparsityMasks()
			s := starts(tc.sizes)
			for i := range tc.sizes { // receiving area: columns
				for j := range tc.sizes { // sending area: rows
					n := tc.sizes[i] * tc.sizes[j]
					k := blockCount(h, s[j], s[j+1], s[i], s[i+1])
					if ok, tol := within5SD(k, n, tc.conn[i][j]); !ok {
						t.Errorf("block from area %d to area %d: density %.4f, want %.4f ± %.4f", j, i, float64(k)/float64(n), tc.conn[i][j], tol)
					}
				}
			}
		})
	}
}

func equalMatrix(a, b [][]float64) bool {
	return slices.EqualFunc(a, b, func(x, y []float64) bool { return slices.Equal(x, y) })
}

func TestRandomInputDensityAndCounts(t *testing.T) {
	for _, overlap := range []bool{true, false} {
		m, err := mask.NewRandomInput(mask.RandomInputConfig{Dims: [3]int{3, 500, 2}, InputSpar: new(0.3), ReadoutSpar: new(0.45),
			HiddenSpar: new(0.2), Overlap: new(overlap), Seed: 9})
		if err != nil {
			t.Fatal(err)
		}
		in, h, out := m.Masks()
		if ok, tol := within5SD(blockCount(h, 0, 500, 0, 500), 500*500, 0.2); !ok {
			t.Errorf("hidden density off by more than %.4f", tol)
		}
		inIdx, outIdx := m.InputIndices(), m.ReadoutIndices()
		if len(inIdx) != 150 || len(outIdx) != 225 {
			t.Errorf("overlap %v: %d input and %d readout neurons, want ⌊500·0.3⌋ = 150 and ⌊500·0.45⌋ = 225", overlap, len(inIdx), len(outIdx))
		}
		if blockCount(in, 0, 3, 0, 500) != 3*150 || blockCount(out, 0, 500, 0, 2) != 225*2 {
			t.Errorf("input/readout neurons must connect to every channel")
		}
		areas := m.Areas()
		if areas[0].Name != "area_input" || areas[1].Name != "area_readout" || !slices.Equal(areas[0].Indices, inIdx) || !slices.Equal(areas[1].Indices, outIdx) {
			t.Errorf("areas %v do not match the input/readout neurons", areas)
		}
		shared := 0
		for _, n := range outIdx {
			if slices.Contains(inIdx, n) {
				shared++
			}
		}
		if !overlap && shared != 0 {
			t.Errorf("overlap false but %d neurons both receive input and are read out", shared)
		}
		if overlap && shared == 0 { // expected ≈ 150·0.45 ≈ 68
			t.Errorf("overlap true but no neuron is both input and readout")
		}
	}
}

// eiCase builds a 3-area E/I network and checks signs row by row.
func TestEISigns(t *testing.T) {
	for _, pct := range []float64{0.8, 0.29, 0, 1, 0.5} {
		sizes := []int{100, 60, 40}
		m, err := mask.NewMultiAreaEI(mask.MultiAreaEIConfig{
			MultiAreaConfig: mask.MultiAreaConfig{Dims: [3]int{2, 200, 3}, AreaSizes: sizes, AreaConnectivities: []float64{0.3, 0.3}, Seed: 11},
			ExcPct:          new(pct),
		})
		if err != nil {
			t.Fatal(err)
		}
		exc := m.Excitatory()
		s := starts(sizes)
		for a, size := range sizes {
			nExc := int(math.Floor(float64(size) * pct)) // 100·0.29 = 28.999… → 28, as nn4n's int()
			for n := s[a]; n < s[a+1]; n++ {
				if want := n-s[a] < nExc; exc[n] != want {
					t.Fatalf("exc_pct %v: neuron %d (area %d, position %d) excitatory = %v, want %v", pct, n, a, n-s[a], exc[n], want)
				}
			}
			ei, _ := m.ExcitatoryIndices(a)
			ii, _ := m.InhibitoryIndices(a)
			if len(ei) != nExc || len(ii) != size-nExc {
				t.Errorf("exc_pct %v area %d: %d excitatory, %d inhibitory indices; want %d, %d", pct, a, len(ei), len(ii), nExc, size-nExc)
			}
		}
		in, h, out := m.Masks()
		for pre := 0; pre < 200; pre++ {
			want := float32(1)
			if !exc[pre] {
				want = -1
			}
			for post := 0; post < 200; post++ {
				if v := h.At(pre, post); v != 0 && v != want {
					t.Fatalf("exc_pct %v: hidden[%d][%d] = %v, want 0 or %v", pct, pre, post, v, want)
				}
			}
			for c := 0; c < 3; c++ {
				if v := out.At(pre, c); v != want {
					t.Fatalf("exc_pct %v: readout[%d][%d] = %v, want %v", pct, pre, c, v, want)
				}
			}
		}
		for _, v := range in.Data {
			if v != 1 {
				t.Fatalf("input mask must stay all 1 with every area receiving input, found %v", v)
			}
		}
		// The sparsity masks are the absolute values.
		_, sh, so := m.SparsityMasks()
		for i, v := range h.Data {
			if sh.Data[i] != float32(math.Abs(float64(v))) {
				t.Fatalf("sparsity hidden[%d] = %v for mask value %v", i, sh.Data[i], v)
			}
		}
		for i, v := range out.Data {
			if so.Data[i] != float32(math.Abs(float64(v))) {
				t.Fatalf("sparsity readout[%d] = %v for mask value %v", i, so.Data[i], v)
			}
		}
	}
}

// TestInterAreaSwitches turns each switch off alone and compares with the
// all-true mask drawn with the same seed: exactly the between-area
// synapses of that kind (sender→receiver) disappear, nothing else changes.
func TestInterAreaSwitches(t *testing.T) {
	base := mask.MultiAreaConfig{Dims: [3]int{1, 300, 1}, AreaSizes: []int{120, 100, 80}, AreaConnectivities: []float64{0.3, 0.2, 0.5}, Seed: 21}
	all, err := mask.NewMultiAreaEI(mask.MultiAreaEIConfig{MultiAreaConfig: base, ExcPct: new(0.7)})
	if err != nil {
		t.Fatal(err)
	}
	_, ha, _ := all.Masks()
	exc := all.Excitatory()
	areaOf := all.AreaOf()
	names := []string{"exc_exc", "exc_inh", "inh_exc", "inh_inh"}
	for k, name := range names {
		t.Run(name, func(t *testing.T) {
			sw := [4]bool{true, true, true, true}
			sw[k] = false
			m, err := mask.NewMultiAreaEI(mask.MultiAreaEIConfig{MultiAreaConfig: base, ExcPct: new(0.7), InterAreaConnections: &sw})
			if err != nil {
				t.Fatal(err)
			}
			_, h, _ := m.Masks()
			removed := 0
			for pre := 0; pre < 300; pre++ {
				for post := 0; post < 300; post++ {
					kind := 0
					if !exc[pre] {
						kind += 2
					}
					if !exc[post] {
						kind++
					}
					target := kind == k && areaOf[pre] != areaOf[post]
					got, was := h.At(pre, post), ha.At(pre, post)
					switch {
					case target && got != 0:
						t.Fatalf("%s off: synapse %d→%d (areas %d→%d) kept", name, pre, post, areaOf[pre], areaOf[post])
					case !target && got != was:
						t.Fatalf("%s off: synapse %d→%d changed from %v to %v", name, pre, post, was, got)
					case target && was != 0:
						removed++
					}
				}
			}
			if removed == 0 {
				t.Fatalf("%s off removed nothing: the test network has no such synapse", name)
			}
		})
	}
}

func TestInhReadout(t *testing.T) {
	cfg := mask.MultiAreaEIConfig{MultiAreaConfig: mask.MultiAreaConfig{Dims: [3]int{1, 100, 2}, Seed: 2}}
	with, err := mask.NewMultiAreaEI(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.InhReadout = new(false)
	without, err := mask.NewMultiAreaEI(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, h1, o1 := with.Masks()
	_, h2, o2 := without.Masks()
	if !slices.Equal(h1.Data, h2.Data) {
		t.Error("inh_readout changed the hidden mask")
	}
	exc := with.Excitatory()
	for n := 0; n < 100; n++ {
		for c := 0; c < 2; c++ {
			want := o1.At(n, c)
			if !exc[n] {
				if want != -1 {
					t.Fatalf("inh_readout true: inhibitory neuron %d reads out %v, want -1", n, want)
				}
				want = 0
			}
			if got := o2.At(n, c); got != want {
				t.Fatalf("inh_readout false: readout[%d][%d] = %v, want %v", n, c, got, want)
			}
		}
	}
	if got := without.ReadoutIndices(); len(got) != 80 || got[0] != 0 || got[79] != 89 {
		t.Errorf("readout indices with inh_readout false = %v, want the 80 excitatory neurons 0..39, 50..89", got)
	}
}

func TestSingleAreaOverridesInputReadoutAreas(t *testing.T) {
	// Areas 3 and 5 do not exist; with one area they are ignored (nn4n).
	m, err := mask.FromJSON([]byte(`{"type": "multi_area_ei", "dims": [2, 20, 1], "n_areas": 1, "input_areas": [3], "readout_areas": [5, 5]}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"input_areas", "readout_areas"} {
		if v, _ := m.Specs().Get(key); !slices.Equal(v.([]int), []int{0}) {
			t.Errorf("%s = %v, want [0]", key, v)
		}
	}
	if got := m.InputIndices(); len(got) != 20 {
		t.Errorf("input indices %v, want all 20 neurons", got)
	}
	if got := m.ReadoutIndices(); len(got) != 20 {
		t.Errorf("readout indices %v, want all 20 neurons", got)
	}
	if got := m.NonInputIndices(); len(got) != 0 {
		t.Errorf("non-input indices %v, want none", got)
	}
}

func TestAreaQueries(t *testing.T) {
	m, err := mask.NewMultiArea(mask.MultiAreaConfig{Dims: [3]int{2, 10, 1}, AreaSizes: []int{3, 4, 3}, InputAreas: []int{1}, ReadoutAreas: []int{0, 2}})
	if err != nil {
		t.Fatal(err)
	}
	if got := m.AreaNames(); !slices.Equal(got, []string{"area_1", "area_2", "area_3"}) {
		t.Errorf("AreaNames = %v", got)
	}
	if got, _ := m.AreaIndices(1); !slices.Equal(got, []int{3, 4, 5, 6}) {
		t.Errorf("AreaIndices(1) = %v", got)
	}
	if got, _ := m.AreaIndicesByName("area_3"); !slices.Equal(got, []int{7, 8, 9}) {
		t.Errorf(`AreaIndicesByName("area_3") = %v`, got)
	}
	if got := m.AllAreaIndices(); len(got) != 3 || !slices.Equal(got[0], []int{0, 1, 2}) {
		t.Errorf("AllAreaIndices = %v", got)
	}
	if got := m.InputIndices(); !slices.Equal(got, []int{3, 4, 5, 6}) {
		t.Errorf("InputIndices = %v", got)
	}
	if got := m.NonInputIndices(); !slices.Equal(got, []int{0, 1, 2, 7, 8, 9}) {
		t.Errorf("NonInputIndices = %v", got)
	}
	if got := m.ReadoutIndices(); !slices.Equal(got, []int{0, 1, 2, 7, 8, 9}) {
		t.Errorf("ReadoutIndices = %v", got)
	}
	in, _, out := m.Masks()
	if blockCount(in, 0, 2, 3, 7) != 8 || blockCount(in, 0, 2, 0, 10) != 8 {
		t.Error("input mask must connect both channels to exactly area 2's neurons")
	}
	if blockCount(out, 0, 10, 0, 1) != 6 {
		t.Error("readout mask must read out exactly areas 1 and 3")
	}
	if _, err := m.AreaIndices(3); err == nil || err.Error() != "mask: area 3 does not exist: areas are numbered 0 to 2" {
		t.Errorf("AreaIndices(3) error = %v", err)
	}
	if _, err := m.AreaIndicesByName("area_4"); err == nil || err.Error() != `mask: area "area_4" does not exist: areas are area_1, area_2, area_3` {
		t.Errorf("AreaIndicesByName error = %v", err)
	}
	// Returned slices are copies.
	idx, _ := m.AreaIndices(0)
	idx[0] = 99
	if again, _ := m.AreaIndices(0); again[0] != 0 {
		t.Error("AreaIndices returned the mask's own slice")
	}
}

func TestSeeds(t *testing.T) {
	cfgs := []mask.Config{
		mask.MultiAreaConfig{Dims: [3]int{1, 120, 1}, NAreas: 3, AreaConnectivities: []float64{0.3, 0.3}},
		mask.MultiAreaEIConfig{MultiAreaConfig: mask.MultiAreaConfig{Dims: [3]int{1, 120, 1}, AreaConnectivities: []float64{0.3, 0.3}}},
		mask.RandomInputConfig{Dims: [3]int{1, 120, 1}, InputSpar: new(0.5), ReadoutSpar: new(0.5), HiddenSpar: new(0.5)},
	}
	for _, c := range cfgs {
		a, b, d := build(t, c.WithSeed(7)), build(t, c.WithSeed(7)), build(t, c.WithSeed(8))
		if a.Seed() != 7 || d.Seed() != 8 {
			t.Errorf("%s: Seed() = %d, %d; want 7, 8", c.Type(), a.Seed(), d.Seed())
		}
		ai, ah, ao := a.Masks()
		bi, bh, bo := b.Masks()
		_, dh, _ := d.Masks()
		if !slices.Equal(ai.Data, bi.Data) || !slices.Equal(ah.Data, bh.Data) || !slices.Equal(ao.Data, bo.Data) {
			t.Errorf("%s: the same seed gave different masks", c.Type())
		}
		if slices.Equal(ah.Data, dh.Data) {
			t.Errorf("%s: seeds 7 and 8 gave the same hidden mask", c.Type())
		}
	}
}

func build(t *testing.T, c mask.Config) mask.Mask {
	t.Helper()
	m, err := c.Build()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestMultiIO(t *testing.T) {
	m, err := mask.FromJSON([]byte(`{"type": "multi_io", "dims": [3, 4, 2], "input_dims": [1, 2], "readout_dims": [1, 1],
		"input_table": [[1, 1, 0, 0], [0, 0, 1, 1]], "readout_table": [[1, 0, 1, 0], [0, 1, 0, 1]]}`))
	if err != nil {
		t.Fatal(err)
	}
	in, h, out := m.Masks()
	wantIn := []float32{1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1} // channel 0 → group 0, channels 1–2 → group 1
	wantOut := []float32{1, 0, 0, 1, 1, 0, 0, 1}            // (neuron, channel)
	if !slices.Equal(in.Data, wantIn) || in.Rows != 3 || in.Cols != 4 {
		t.Errorf("input mask %v (%d×%d), want %v (3×4)", in.Data, in.Rows, in.Cols, wantIn)
	}
	if !slices.Equal(out.Data, wantOut) || out.Rows != 4 || out.Cols != 2 {
		t.Errorf("readout mask %v (%d×%d), want %v (4×2)", out.Data, out.Rows, out.Cols, wantOut)
	}
	for _, v := range h.Data {
		if v != 1 {
			t.Fatal("MultiIO hidden mask must be all ones")
		}
	}
	want := "dims:                [3, 4, 2]\nhidden_size:         4\ninput_dim:           3\nreadout_dim:         2\ninput_dims:          [1, 2]\n" +
		"readout_dims:        [1, 1]\ninput_table_shape:   [2, 4]\nreadout_table_shape: [2, 4]\n"
	if got := m.Specs().String(); got != want {
		t.Errorf("specs:\n%s\nwant:\n%s", got, want)
	}
	// Defaults: one group, tables of ones.
	d, err := mask.NewMultiIO(mask.MultiIOConfig{Dims: [3]int{2, 5, 1}})
	if err != nil {
		t.Fatal(err)
	}
	di, _, do := d.Masks()
	if blockCount(di, 0, 2, 0, 5) != 10 || blockCount(do, 0, 5, 0, 1) != 5 {
		t.Error("default MultiIO must connect every channel to every neuron")
	}
}

// TestSpecsKeys checks that specs hold exactly the keys of nn4n's pages, in
// order, and marshal to JSON that way.
func TestSpecsKeys(t *testing.T) {
	common := []string{"dims", "hidden_size", "input_dim", "readout_dim"}
	cases := []struct {
		cfg  mask.Config
		keys []string
		json string
	}{
		{mask.MultiAreaConfig{}, append(common, "n_areas", "area_connectivities", "input_areas", "readout_areas"),
			`{"dims":[1,100,1],"hidden_size":100,"input_dim":1,"readout_dim":1,"n_areas":2,"area_connectivities":[[1,0.1],[0.1,1]],"input_areas":[0,1],"readout_areas":[0,1]}`},
		{mask.MultiAreaEIConfig{}, append(common, "n_areas", "area_connectivities", "input_areas", "readout_areas", "exc_pct", "inter_area_connections", "inh_readout"),
			`{"dims":[1,100,1],"hidden_size":100,"input_dim":1,"readout_dim":1,"n_areas":2,"area_connectivities":[[1,0.1],[0.1,1]],"input_areas":[0,1],"readout_areas":[0,1],"exc_pct":0.8,"inter_area_connections":[true,true,true,true],"inh_readout":true}`},
		{mask.RandomInputConfig{}, append(common, "input_spar", "readout_spar", "hidden_spar", "overlap"),
			`{"dims":[1,100,1],"hidden_size":100,"input_dim":1,"readout_dim":1,"input_spar":1,"readout_spar":1,"hidden_spar":1,"overlap":true}`},
		{mask.MultiIOConfig{}, append(common, "input_dims", "readout_dims", "input_table_shape", "readout_table_shape"),
			`{"dims":[1,100,1],"hidden_size":100,"input_dim":1,"readout_dim":1,"input_dims":[1],"readout_dims":[1],"input_table_shape":[1,100],"readout_table_shape":[1,100]}`},
	}
	for _, tc := range cases {
		m := build(t, tc.cfg)
		if got := m.Specs().Keys(); !slices.Equal(got, tc.keys) {
			t.Errorf("%s keys %v, want %v", m.Type(), got, tc.keys)
		}
		js, err := m.Specs().MarshalJSON()
		if err != nil || string(js) != tc.json {
			t.Errorf("%s JSON %s (%v), want %s", m.Type(), js, err, tc.json)
		}
	}
}

// TestJSONMatchesStruct: the JSON and Go forms of a config build the same
// masks, and every form of n_areas and area_connectivities is read.
func TestJSONMatchesStruct(t *testing.T) {
	cases := []struct {
		json string
		cfg  mask.Config
	}{
		{`{"type": "multi_area_ei", "seed": 5, "dims": [2, 90, 3], "n_areas": [30, 60], "area_connectivities": [[1, 0.2], [0.4, 0.9]],
		   "input_areas": [1], "readout_areas": [0], "exc_pct": 0.75, "inter_area_connections": [true, false, true, false], "inh_readout": false}`,
			mask.MultiAreaEIConfig{MultiAreaConfig: mask.MultiAreaConfig{Dims: [3]int{2, 90, 3}, AreaSizes: []int{30, 60},
				AreaConnectivityMatrix: [][]float64{{1, 0.2}, {0.4, 0.9}}, InputAreas: []int{1}, ReadoutAreas: []int{0}, Seed: 5},
				ExcPct: new(0.75), InterAreaConnections: &[4]bool{true, false, true, false}, InhReadout: new(false)}},
		{`{"type": "multi_area", "seed": 18446744073709551615, "n_areas": 4, "area_connectivities": [0.3, 0.1, 0.8], "input_areas": []}`,
			mask.MultiAreaConfig{NAreas: 4, AreaConnectivities: []float64{0.3, 0.1, 0.8}, InputAreas: []int{}, Seed: math.MaxUint64}},
		{`{"type": "random_input", "seed": 2, "input_spar": 0.2, "readout_spar": 0.3, "hidden_spar": 0.4, "overlap": false, "dims": [1, 50, 1]}`,
			mask.RandomInputConfig{Dims: [3]int{1, 50, 1}, InputSpar: new(0.2), ReadoutSpar: new(0.3), HiddenSpar: new(0.4), Overlap: new(false), Seed: 2}},
		{`{"type": "multi_area_ei", "n_areas": null, "exc_pct": 0}`,
			mask.MultiAreaEIConfig{ExcPct: new(0.0)}},
	}
	for _, tc := range cases {
		a, err := mask.FromJSON([]byte(tc.json))
		if err != nil {
			t.Fatalf("%s: %v", tc.json, err)
		}
		b := build(t, tc.cfg)
		if a.Specs().String() != b.Specs().String() {
			t.Errorf("specs differ:\nJSON:\n%s\nstruct:\n%s", a.Specs(), b.Specs())
		}
		ai, ah, ao := a.Masks()
		bi, bh, bo := b.Masks()
		if !slices.Equal(ai.Data, bi.Data) || !slices.Equal(ah.Data, bh.Data) || !slices.Equal(ao.Data, bo.Data) || a.Seed() != b.Seed() {
			t.Errorf("%s: JSON and struct configs built different masks", tc.json)
		}
	}
	// input_areas [] means no neuron receives input.
	m, _ := mask.FromJSON([]byte(cases[1].json))
	if got := m.InputIndices(); len(got) != 0 {
		t.Errorf("input_areas [] gave input neurons %v", got)
	}
	// exc_pct 0 (a legal zero) makes every neuron inhibitory.
	m, _ = mask.FromJSON([]byte(cases[3].json))
	if slices.Contains(m.(mask.EI).Excitatory(), true) {
		t.Error("exc_pct 0 left excitatory neurons")
	}
}

func TestInvalidConfigs(t *testing.T) {
	const ei = `{"type": "multi_area_ei", `
	cases := []struct{ json, want string }{
		{``, `mask: the config is empty: it must be a JSON object such as {"type": "multi_area_ei"}`},
		{`[1, 2]`, `mask: the config must be a JSON object such as {"type": "multi_area_ei"}`},
		{`{"type": "multi_area_ei"} {}`, `mask: the config has data after its closing brace; it must be exactly one JSON object`},
		{`{"type": "multi_area_ei", "dims": [1, 100, 1]`, `mask: the config is not valid JSON: it ends before its closing brace`},
		{`{"dims": [1, 100, 1]}`, `mask: type is missing: must be one of multi_area, multi_area_ei, random_input, multi_io`},
		{`{"type": "multi_area_eii"}`, `mask: type = "multi_area_eii" is not allowed: must be one of multi_area, multi_area_ei, random_input, multi_io`},
		{ei + `"exc_pc": 0.8}`, `mask: unknown key "exc_pc" for type multi_area_ei; allowed: type, seed, dims, n_areas, area_connectivities, input_areas, readout_areas, exc_pct, inter_area_connections, inh_readout`},
		{`{"type": "multi_area", "exc_pct": 0.8}`, `mask: key "exc_pct" does not apply to type multi_area (it belongs to multi_area_ei); allowed: type, seed, dims, n_areas, area_connectivities, input_areas, readout_areas`},
		{`{"type": "multi_area", "n_areas": 2, "n_areas": 4}`, `mask: key "n_areas" appears twice in the config`},
		{ei + `"seed": -1}`, `mask: seed = -1 is not allowed: must be an integer in [0, 2^64-1]`},
		{ei + `"dims": [1, 100]}`, `mask: dims = [1, 100] is not allowed: must be a list of 3 positive integers [input_dim, hidden_size, readout_dim]`},
		{ei + `"dims": [0, 100, 1]}`, `mask: dims = [0, 100, 1] is not allowed: must be a list of 3 positive integers [input_dim, hidden_size, readout_dim]`},
		{ei + `"dims": [1, -100, 1]}`, `mask: dims = [1, -100, 1] is not allowed: must be a list of 3 positive integers [input_dim, hidden_size, readout_dim]`},
		{ei + `"dims": [1, 100000, 1]}`, `mask: dims = [1, 100000, 1] is not allowed: hidden_size (dims[1]) must be at most 16384`},
		{ei + `"dims": [100000, 100, 1]}`, `mask: dims = [100000, 100, 1] is not allowed: input_dim (dims[0]) and readout_dim (dims[2]) must be at most 16384`},
		{ei + `"dims": [1, 100.5, 1]}`, `mask: dims = [1, 100.5, 1] is not allowed: must be a list of 3 positive integers [input_dim, hidden_size, readout_dim]`},
		{ei + `"n_areas": 0}`, `mask: n_areas = 0 is not allowed: must be a positive integer or a list of positive area sizes`},
		{ei + `"n_areas": 3}`, `mask: n_areas = 3 is not allowed: hidden_size 100 must divide evenly into 3 areas (or give a list of area sizes)`},
		{ei + `"n_areas": 200}`, `mask: n_areas = 200 is not allowed: hidden_size 100 must divide evenly into 200 areas (or give a list of area sizes)`},
		{ei + `"n_areas": "two"}`, `mask: n_areas = "two" is not allowed: must be a positive integer or a list of positive area sizes`},
		{ei + `"n_areas": [30, 30]}`, `mask: n_areas = [30, 30] is not allowed: area sizes must sum to hidden_size 100 (they sum to 60)`},
		{ei + `"n_areas": [60, 0, 40]}`, `mask: n_areas = [60, 0, 40] is not allowed: every area size must be a positive integer`},
		{ei + `"n_areas": []}`, `mask: n_areas = [] is not allowed: a list of area sizes must hold at least one size`},
		{ei + `"area_connectivities": [0.1]}`, `mask: area_connectivities = [0.1] is not allowed: must be a list of 2 values [feedforward, feedback], 3 values [feedforward, feedback, within] or an n_areas × n_areas matrix`},
		{ei + `"area_connectivities": [0.1, 1.2]}`, `mask: area_connectivities = [0.1, 1.2] is not allowed: every probability must be in [0, 1]`},
		{ei + `"area_connectivities": [[1, 0.1, 0], [0.1, 1, 0], [0, 0, 1]]}`, `mask: area_connectivities = [[1, 0.1, 0], [0.1, 1, 0], [0, 0, 1]] is not allowed: a matrix must be n_areas × n_areas = 2 × 2 (it has 3 rows)`},
		{ei + `"area_connectivities": [[1, 0.1], [0.1]]}`, `mask: area_connectivities = [[1, 0.1], [0.1]] is not allowed: a matrix must be n_areas × n_areas = 2 × 2 (row 1 has 1 entries)`},
		{ei + `"area_connectivities": [[1, 0.1], [0.1, 2]]}`, `mask: area_connectivities = [[1, 0.1], [0.1, 2]] is not allowed: every probability must be in [0, 1] (entry [1][1] is 2)`},
		{ei + `"area_connectivities": 0.1}`, `mask: area_connectivities = 0.1 is not allowed: must be a list of 2 values [feedforward, feedback], 3 values [feedforward, feedback, within] or an n_areas × n_areas matrix of probabilities`},
		{ei + `"input_areas": [0, 2]}`, `mask: input_areas = [0, 2] is not allowed: area 2 does not exist: areas are numbered 0 to 1`},
		{ei + `"input_areas": [1, 1]}`, `mask: input_areas = [1, 1] is not allowed: area 1 is listed twice`},
		{ei + `"readout_areas": [-1]}`, `mask: readout_areas = [-1] is not allowed: area -1 does not exist: areas are numbered 0 to 1`},
		{ei + `"exc_pct": 1.5}`, `mask: exc_pct = 1.5 is not allowed: must be in [0, 1]`},
		{ei + `"exc_pct": "80%"}`, `mask: exc_pct = "80%" is not allowed: must be a number in [0, 1]`},
		{ei + `"exc_pct": 1e999}`, `mask: exc_pct = 1e999 is not allowed: must be a number in [0, 1]`},
		{ei + `"inter_area_connections": [true, true, false]}`, `mask: inter_area_connections = [true, true, false] is not allowed: must be a list of 4 booleans [exc_exc, exc_inh, inh_exc, inh_inh]`},
		{ei + `"inter_area_connections": [1, 1, 1, 1]}`, `mask: inter_area_connections = [1, 1, 1, 1] is not allowed: must be a list of 4 booleans [exc_exc, exc_inh, inh_exc, inh_inh]`},
		{ei + `"inh_readout": "no"}`, `mask: inh_readout = "no" is not allowed: must be true or false`},
		{`{"type": "random_input", "input_spar": 1.1}`, `mask: input_spar = 1.1 is not allowed: must be in [0, 1]`},
		{`{"type": "random_input", "hidden_spar": -0.5}`, `mask: hidden_spar = -0.5 is not allowed: must be in [0, 1]`},
		{`{"type": "random_input", "overlap": false, "input_spar": 0.6, "readout_spar": 0.5}`, `mask: readout_spar = 0.5 is not allowed: with overlap false, input_spar + readout_spar must be at most 1 (input_spar is 0.6)`},
		{`{"type": "random_input", "n_areas": 2}`, `mask: key "n_areas" does not apply to type random_input (it belongs to multi_area, multi_area_ei); allowed: type, seed, dims, input_spar, readout_spar, hidden_spar, overlap`},
		{`{"type": "multi_io", "dims": [3, 10, 2], "input_dims": [1, 1]}`, `mask: input_dims = [1, 1] is not allowed: group widths must sum to input_dim (dims[0]) = 3 (they sum to 2)`},
		{`{"type": "multi_io", "dims": [3, 10, 2], "readout_dims": [0, 2]}`, `mask: readout_dims = [0, 2] is not allowed: every group width must be a positive integer`},
		{`{"type": "multi_io", "dims": [3, 4, 2], "input_dims": [1, 2], "input_table": [[1, 1, 0, 0]]}`, `mask: input_table = [[1, 1, 0, 0]] is not allowed: must have one row per group of input_dims: 2 rows of hidden_size = 4 entries (it has 1 rows)`},
		{`{"type": "multi_io", "dims": [3, 4, 2], "input_dims": [1, 2], "input_table": [[1, 1, 0, 0], [0, 0, 1]]}`, `mask: input_table = [[1, 1, 0, 0], [0, 0, 1]] is not allowed: every row must have hidden_size = 4 entries (row 1 has 3)`},
		{`{"type": "multi_io", "dims": [1, 4, 2], "readout_dims": [1, 1], "readout_table": [[1, 1, 0, 0], [0, 0, 1, 0.5]]}`, `mask: readout_table = [[1, 1, 0, 0], [0, 0, 1, 0.5]] is not allowed: entries must be 0 or 1 (entry [1][3] is 0.5)`},
	}
	for _, tc := range cases {
		m, err := mask.FromJSON([]byte(tc.json))
		if err == nil {
			t.Errorf("%s: built a %s mask, want error %q", tc.json, m.Type(), tc.want)
			continue
		}
		if err.Error() != tc.want {
			t.Errorf("%s:\n got  %s\n want %s", tc.json, err, tc.want)
		}
	}
}

// TestInvalidStructs covers what only the Go form can express.
func TestInvalidStructs(t *testing.T) {
	nan := math.NaN()
	cases := []struct {
		cfg  mask.Config
		want string
	}{
		{mask.MultiAreaEIConfig{ExcPct: &nan}, "mask: exc_pct = NaN is not allowed: must be in [0, 1]"},
		{mask.MultiAreaConfig{AreaConnectivities: []float64{nan, 0.1}}, "mask: area_connectivities = [NaN, 0.1] is not allowed: every probability must be in [0, 1]"},
		{mask.MultiAreaConfig{AreaConnectivityMatrix: [][]float64{{1, math.Inf(1)}, {0, 1}}}, "mask: area_connectivities = [[1, +Inf], [0, 1]] is not allowed: every probability must be in [0, 1] (entry [0][1] is +Inf)"},
		{mask.MultiAreaConfig{NAreas: 2, AreaSizes: []int{50, 50}}, "mask: n_areas = 2 is not allowed: give either a number of areas (NAreas) or a list of area sizes (AreaSizes = [50, 50]), not both"},
		{mask.MultiAreaConfig{NAreas: -1}, "mask: n_areas = -1 is not allowed: must be a positive integer or a list of positive area sizes"},
		{mask.MultiAreaConfig{AreaConnectivities: []float64{0.1, 0.1}, AreaConnectivityMatrix: [][]float64{{1}}}, "mask: area_connectivities = [0.1, 0.1] is not allowed: give either the 2- or 3-value list (AreaConnectivities) or the matrix (AreaConnectivityMatrix), not both"},
		{mask.MultiAreaConfig{Dims: [3]int{1, 0, 1}}, "mask: dims = [1, 0, 1] is not allowed: every entry of [input_dim, hidden_size, readout_dim] must be a positive integer"},
		{mask.RandomInputConfig{Dims: [3]int{-1, 10, 1}}, "mask: dims = [-1, 10, 1] is not allowed: every entry of [input_dim, hidden_size, readout_dim] must be a positive integer"},
		{mask.RandomInputConfig{ReadoutSpar: &nan}, "mask: readout_spar = NaN is not allowed: must be in [0, 1]"},
		{mask.MultiIOConfig{InputDims: []int{}}, "mask: input_dims = [] is not allowed: must list at least one group width"},
		{mask.MultiIOConfig{InputTable: [][]float64{make([]float64, 100)}, ReadoutTable: [][]float64{append(make([]float64, 99), nan)}}, "mask: readout_table = [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0... is not allowed: entries must be 0 or 1 (entry [0][99] is NaN)"},
	}
	for _, tc := range cases {
		_, err := tc.cfg.Build()
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s config:\n got  %v\n want %s", tc.cfg.Type(), err, tc.want)
		}
		var ce *mask.ConfigError
		if err != nil && !errorsAs(err, &ce) {
			t.Errorf("%v is not a *mask.ConfigError", err)
		}
	}
}

func errorsAs(err error, target **mask.ConfigError) bool {
	ce, ok := err.(*mask.ConfigError)
	if ok {
		*target = ce
	}
	return ok
}
