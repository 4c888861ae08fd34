import { summarizeProfiles } from '../bench/cpu-profile'
console.log(summarizeProfiles(process.argv[2]!, Number(process.argv[3] ?? 30)))
