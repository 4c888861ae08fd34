console.log('stub bench/nodes.ts')
