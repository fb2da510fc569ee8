package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/dale-rnn/dale/mask"
	drun "github.com/dale-rnn/dale/run"
)

func init() {
	register(&command{
		name:    "mask",
		summary: "build connectivity masks (multi-area, E/I) from a JSON config and save them",
		run:     runMask,
	})
}

// maxConfigBytes bounds a mask config file; the largest legal config (a
// MultiIO table for 16384 neurons) is far smaller.
const maxConfigBytes = 64 << 20

func runMask(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("mask", "mask --config m.json --out masks.npz [--png DIR] [--seed S]", e)
	configPath := fs.String("config", "", "mask configuration (JSON with nn4n's names plus \"type\" and \"seed\"; required)")
	out := fs.String("out", "", "the .npz file to write: input, hidden, readout (float32, (pre, post)), area, excitatory (required)")
	pngDir := fs.String("png", "", "folder for input.png, hidden.png and readout.png heat maps (optional)")
	seed := fs.Uint64("seed", 0, "random seed; overrides the config's \"seed\" when given")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *configPath == "" {
		return errors.New("--config is required: a JSON mask configuration, e.g. {\"type\": \"multi_area_ei\", \"dims\": [1, 100, 1]}")
	}
	if *out == "" {
		return errors.New("--out is required: the .npz file to write the masks to")
	}
	seedSet := false
	fs.Visit(func(f *flag.Flag) { seedSet = seedSet || f.Name == "seed" })

	data, err := readConfig(*configPath)
	if err != nil {
		return err
	}
	cfg, err := mask.ParseJSON(data)
	if err != nil {
		return fmt.Errorf("%s: %w", *configPath, err)
	}
	if seedSet {
		cfg = cfg.WithSeed(*seed)
	}
	m, err := cfg.Build()
	if err != nil {
		return fmt.Errorf("%s: %w", *configPath, err)
	}
	if err := ctx.Err(); err != nil {
		return runtimeError{err}
	}

	fmt.Fprintf(e.stdout, "%s mask, seed %d\n", m.Type(), m.Seed())
	fmt.Fprint(e.stdout, indent(m.Specs().String()))
	if err := mask.WriteNPZ(m, *out); err != nil {
		return err
	}
	d := m.Dims()
	fmt.Fprintf(e.stdout, "wrote %s (input %d×%d, hidden %d×%d, readout %d×%d)\n", *out, d[0], d[1], d[1], d[1], d[1], d[2])
	if *pngDir != "" {
		paths, err := drun.WriteMaskPNGs(m, *pngDir)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "wrote %s\n", strings.Join(paths, ", "))
	}
	return nil
}

// readConfig reads a config file, refusing folders and huge files.
func readConfig(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read --config: %v", err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("--config %s is a folder, not a JSON file", path)
	}
	if st.Size() > maxConfigBytes {
		return nil, fmt.Errorf("--config %s is %d bytes: a mask config must be at most %d", path, st.Size(), maxConfigBytes)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read --config: %v", err)
	}
	return data, nil
}

func indent(s string) string {
	if s == "" {
		return s
	}
	return "  " + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n  ") + "\n"
}
