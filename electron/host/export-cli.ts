console.log('stub electron/host/export-cli.ts')
