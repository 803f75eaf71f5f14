"""Provider backends: one folder per vendor, all behind `providers.base.Provider`."""
