/* arch ktests: filled in below */
