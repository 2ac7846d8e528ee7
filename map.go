package secret

import (
	"context"
	"maps"
)

// FromMap returns a Source of the entries of m. It copies m at call time, so
// later changes to m are not seen. Its name is "map".
func FromMap(m map[string]string) Source {
	return mapSource{m: hide(maps.Clone(m))}
}

// mapSource holds its map where reflection cannot reach it (see hidden).
type mapSource struct{ m hidden[map[string]string] }

func (mapSource) Name() string { return "map" }

func (s mapSource) Load(ctx context.Context) (map[string]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m := maps.Clone(s.m.get())
	if m == nil {
		m = map[string]string{}
	}
	return m, nil
}
