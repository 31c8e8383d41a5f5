package config

import (
	"net/url"
)

// applyDatabasePassword puts database_password (read from its *_file, as
// every secret) into a postgres:// database URL that has a user and no
// password, so that the password lives in one secret file: the same file
// the database server reads (POSTGRES_PASSWORD_FILE in compose).
func (l *loader) applyDatabasePassword(c *Config) {
	if !c.DatabasePassword.IsSet() {
		return
	}
	if c.DatabaseDriver() != DriverPostgres {
		l.warn("database_password", "ignored: only a postgres:// database_url takes a password")
		return
	}
	u, err := url.Parse(c.DatabaseURL)
	if err != nil {
		return // checkDatabaseURL says so
	}
	if _, has := u.User.Password(); has || u.User == nil || u.User.Username() == "" {
		l.warn("database_password", "ignored: database_url must name a user and no password when database_password is set")
		return
	}
	u.User = url.UserPassword(u.User.Username(), c.DatabasePassword.Reveal())
	c.DatabaseURL = u.String()
}
