package secret

import "errors"

// defaultStore opens the default local encrypted store. TODO(store): replaced
// by the FileStore.
func defaultStore() (Store, error) {
	return nil, errors.New("envseal: the default encrypted store is not built yet; set Resolver.Store")
}
