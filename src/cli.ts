process.stderr.write('llmbatch: not built yet\n');
