// Package pngtest holds what tests of dale's figures share: decoding a
// PNG a test wrote and counting its pixels of a colour.
package pngtest

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"testing"
)

// Decode decodes the PNG at path, failing the test if it does not decode.
func Decode(t testing.TB, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	return img
}

// Count counts the pixels of img within r whose 8-bit colour matches.
func Count(img image.Image, r image.Rectangle, match func(r, g, b uint8) bool) int {
	n := 0
	r = r.Intersect(img.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			if match(uint8(cr>>8), uint8(cg>>8), uint8(cb>>8)) {
				n++
			}
		}
	}
	return n
}

// Exactly matches the colour c exactly.
func Exactly(c color.RGBA) func(r, g, b uint8) bool {
	return func(r, g, b uint8) bool { return r == c.R && g == c.G && b == c.B }
}
