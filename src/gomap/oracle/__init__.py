"""The differential oracle: real Go runtimes against gomap's engines."""
