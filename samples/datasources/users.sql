-- auth_ds sample users for samples/datasources/sqlite.conf. Make the database with
--   sqlite3 samples/datasources/auth.db < samples/datasources/users.sql
-- or: python3 -c "import sqlite3; sqlite3.connect('auth.db').executescript(open('users.sql').read())"
-- The clear passwords (sample only): alice/wonderland bob/builder carol/cheshire dave/dormouse erin/hatter.
-- scheme is the letter the sample's type_map reads: C clear, S ssha1, U ucrypt, H sha1_hex, P rfc2307.
CREATE TABLE users (
  name TEXT PRIMARY KEY,
  password TEXT NOT NULL,
  scheme TEXT NOT NULL
);
INSERT INTO users VALUES ('alice', 'wonderland', 'C');
INSERT INTO users VALUES ('bob', 'hQaxP+5J6u2Id35sSzGrnJueYglwZXBwZXI=', 'S');
INSERT INTO users VALUES ('carol', '$6$samplesalt$2zIrtg95IT.HkI9v7hXxlFr.5J7J34F9zXXG2CP2rqFtepR4StcM8ypVfgYiUi9zGBmKLjsJF6Vsn2zYbR7is.', 'U');
INSERT INTO users VALUES ('dave', '8fa9d672e1650a21556212de12f8f790405d7454', 'H');
INSERT INTO users VALUES ('erin', '{SHA512-CRYPT}$6$samplesalt2$j30Ajrv2v5Agjn6ZZ5l4bDt0uy81fjGaAhD1BdKqsJaBhoREPY04f34ivJezNpadEzvgzosBhINiEEAjIT1FF1', 'P');
