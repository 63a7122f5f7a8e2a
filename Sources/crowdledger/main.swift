import CrowdledgerCommands

Crowdledger.runMain()
